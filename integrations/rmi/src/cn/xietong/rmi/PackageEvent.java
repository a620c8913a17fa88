package cn.xietong.rmi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A hop of a package (GZ-5): {@code acceptedByNode}, {@code receivedByHub}, {@code coded}, {@code forwarded},
 * {@code storedByReceiver}, {@code delivered}, {@code signedFor}, {@code returned}, {@code refused}, {@code alerted}
 * (and across linked hubs {@code receivedByPeerHub}, {@code forwardedByPeerHub}).
 */
public final class PackageEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String packageId;
    private final String hop;
    private final String at;
    private final String organisation;
    private final String detail;
    private final ArrayList<Finding> findings;

    public PackageEvent(String packageId, String hop, String at, String organisation, String detail, List<Finding> findings) {
        this.packageId = packageId;
        this.hop = hop;
        this.at = at;
        this.organisation = organisation;
        this.detail = detail;
        this.findings = findings == null ? new ArrayList<Finding>() : new ArrayList<Finding>(findings);
    }

    public String getPackageId() {
        return this.packageId;
    }

    public String getHop() {
        return this.hop;
    }

    /** When, as ISO 8601 UTC. */
    public String getAt() {
        return this.at;
    }

    /** The organisation that made the hop (12 digits). */
    public String getOrganisation() {
        return this.organisation;
    }

    /** What the hop recorded (the unified code, the receiver, a return's reason, …), or null. */
    public String getDetail() {
        return this.detail;
    }

    /** A refusal's findings (ZJ-7.2.6), else empty. */
    public List<Finding> getFindings() {
        return Collections.unmodifiableList(this.findings);
    }

    @Override
    public String toString() {
        return this.hop + " " + this.packageId + " by " + this.organisation + " at " + this.at + (this.detail == null ? "" : " (" + this.detail + ")");
    }
}
