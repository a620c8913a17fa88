package cn.xietong.rmi;

import java.io.Serializable;

/** One finding of the node's quality checks (docs/protocol.md, "Findings"): a stable code, a severity, where, and why. */
public final class Finding implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String severity;
    private final String location;
    private final int line;
    private final String messageZh;
    private final String messageEn;

    public Finding(String code, String severity, String location, int line, String messageZh, String messageEn) {
        this.code = code;
        this.severity = severity;
        this.location = location;
        this.line = line;
        this.messageZh = messageZh;
        this.messageEn = messageEn;
    }

    /** For example {@code codeset.gender}. */
    public String getCode() {
        return this.code;
    }

    /** {@code error} (refuses the package), {@code warning} or {@code info}. */
    public String getSeverity() {
        return this.severity;
    }

    /** A path such as {@code /CasePackage/Body/Persons/Person[1]/Gender}. */
    public String getLocation() {
        return this.location;
    }

    /** The 1-based line in the XML, 0 when not known. */
    public int getLine() {
        return this.line;
    }

    public String getMessageZh() {
        return this.messageZh;
    }

    public String getMessageEn() {
        return this.messageEn;
    }

    @Override
    public String toString() {
        return this.severity + " " + this.code + " at " + this.location + ": " + this.messageZh + " / " + this.messageEn;
    }
}
