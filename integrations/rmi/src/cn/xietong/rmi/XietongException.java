package cn.xietong.rmi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A refusal or an error of the node (or of the gateway), as the Java caller receives it: the stable code, the
 * message in Chinese and English, the HTTP status the node answered with, and for a refused package the receipt and
 * its findings.
 *
 * <p>Codes: the node's error codes (docs/protocol.md, "Error codes": {@code auth.required}, {@code package.not-found},
 * {@code store.disk-full}, …); {@code package.refused} for a package the node refused, with {@link #getFindings()};
 * and the gateway's own: {@code gateway.node-unreachable}, {@code gateway.timeout}, {@code gateway.bad-answer},
 * {@code gateway.invalid-argument}, {@code gateway.too-large}.
 */
public final class XietongException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int httpStatus;
    private final String messageZh;
    private final String messageEn;
    private final ArrayList<Finding> findings;
    private final Receipt receipt;
    private final long retryAfterSeconds;

    public XietongException(String code, int httpStatus, String messageZh, String messageEn, List<Finding> findings, Receipt receipt,
        long retryAfterSeconds) {
        super(describe(code, messageZh, messageEn, findings));
        this.code = code;
        this.httpStatus = httpStatus;
        this.messageZh = messageZh;
        this.messageEn = messageEn;
        this.findings = findings == null ? new ArrayList<Finding>() : new ArrayList<Finding>(findings);
        this.receipt = receipt;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public XietongException(String code, int httpStatus, String messageZh, String messageEn) {
        this(code, httpStatus, messageZh, messageEn, null, null, -1);
    }

    private static String describe(String code, String zh, String en, List<Finding> findings) {
        StringBuilder text = new StringBuilder(code).append(": ").append(zh).append(" / ").append(en);
        if (findings != null && !findings.isEmpty()) {
            text.append(" [");
            for (int i = 0; i < findings.size(); i++) {
                if (i > 0) text.append(", ");
                text.append(findings.get(i).getCode());
            }
            text.append(']');
        }
        return text.toString();
    }

    /** The stable code, for example {@code package.refused} or {@code auth.required}. */
    public String getCode() {
        return this.code;
    }

    /** The node's HTTP status; 0 when the node gave none (it could not be reached). */
    public int getHttpStatus() {
        return this.httpStatus;
    }

    public String getMessageZh() {
        return this.messageZh;
    }

    public String getMessageEn() {
        return this.messageEn;
    }

    /** The findings of a refused package (every severity), else empty. */
    public List<Finding> getFindings() {
        return Collections.unmodifiableList(this.findings);
    }

    /** The codes of the findings of severity {@code error}: what refused the package. */
    public List<String> getErrorCodes() {
        List<String> codes = new ArrayList<String>();
        for (Finding finding : this.findings) {
            if ("error".equals(finding.getSeverity())) codes.add(finding.getCode());
        }
        return codes;
    }

    /** The refused package's receipt, else null. */
    public Receipt getReceipt() {
        return this.receipt;
    }

    /** The seconds the node asked to wait before trying again ({@code store.disk-full}), else -1. */
    public long getRetryAfterSeconds() {
        return this.retryAfterSeconds;
    }
}
