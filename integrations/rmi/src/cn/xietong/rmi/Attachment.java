package cn.xietong.rmi;

import java.io.Serializable;

/** A file to send with a package: its name (for messages) and its bytes; the node matches it to the manifest by SHA-256. */
public final class Attachment implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final byte[] content;

    public Attachment(String name, byte[] content) {
        this.name = name;
        this.content = content;
    }

    public String getName() {
        return this.name;
    }

    public byte[] getContent() {
        return this.content;
    }
}
