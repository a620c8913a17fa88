package cn.xietong.rmi;

import java.io.Serializable;

/** A file of an incoming package, as the hub described it when it handed the package over. */
public final class AttachmentInfo implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String sha256;
    private final long size;
    private final String name;
    private final String mediaType;

    public AttachmentInfo(String sha256, long size, String name, String mediaType) {
        this.sha256 = sha256;
        this.size = size;
        this.name = name;
        this.mediaType = mediaType;
    }

    public String getSha256() {
        return this.sha256;
    }

    public long getSize() {
        return this.size;
    }

    public String getName() {
        return this.name;
    }

    public String getMediaType() {
        return this.mediaType;
    }
}
