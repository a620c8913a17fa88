package cn.xietong.rmi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The node's receipt for a package (schema {@code Receipt} of docs/openapi.yaml). */
public final class Receipt implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String packageId;
    private final String status;
    private final String unifiedCaseCode;
    private final boolean codeAssigned;
    private final String receivedAt;
    private final ArrayList<Finding> findings;
    private final String statusURL;
    private final boolean repeated;

    public Receipt(String packageId, String status, String unifiedCaseCode, boolean codeAssigned, String receivedAt, List<Finding> findings,
        String statusURL, boolean repeated) {
        this.packageId = packageId;
        this.status = status;
        this.unifiedCaseCode = unifiedCaseCode;
        this.codeAssigned = codeAssigned;
        this.receivedAt = receivedAt;
        this.findings = findings == null ? new ArrayList<Finding>() : new ArrayList<Finding>(findings);
        this.statusURL = statusURL;
        this.repeated = repeated;
    }

    public String getPackageId() {
        return this.packageId;
    }

    /** {@code accepted} or {@code refused}. */
    public String getStatus() {
        return this.status;
    }

    public boolean isAccepted() {
        return "accepted".equals(this.status);
    }

    /** The unified case code (ZJ-7.1.1), null when the hub is still to assign it. */
    public String getUnifiedCaseCode() {
        return this.unifiedCaseCode;
    }

    public boolean isCodeAssigned() {
        return this.codeAssigned;
    }

    public String getReceivedAt() {
        return this.receivedAt;
    }

    /** Every finding, warnings and normalisations included. */
    public List<Finding> getFindings() {
        return Collections.unmodifiableList(this.findings);
    }

    public String getStatusURL() {
        return this.statusURL;
    }

    /** The node had this package (same id, or same idempotency key) already: this is the original receipt (GZ-7). */
    public boolean isRepeated() {
        return this.repeated;
    }

    @Override
    public String toString() {
        return "Receipt(" + this.packageId + ", " + this.status + ", " + this.unifiedCaseCode + ", " + this.findings.size() + " findings"
            + (this.repeated ? ", repeated" : "") + ")";
    }
}
