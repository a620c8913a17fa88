package cn.xietong.rmi;

import java.io.Serializable;

/** A resumable upload (schema {@code Upload} of docs/openapi.yaml). */
public final class UploadProgress implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String uploadId;
    private final String sha256;
    private final long size;
    private final long received;
    private final boolean completed;

    public UploadProgress(String uploadId, String sha256, long size, long received, boolean completed) {
        this.uploadId = uploadId;
        this.sha256 = sha256;
        this.size = size;
        this.received = received;
        this.completed = completed;
    }

    /** The upload's id; null when the node had the file already (nothing to upload). */
    public String getUploadId() {
        return this.uploadId;
    }

    public String getSha256() {
        return this.sha256;
    }

    public long getSize() {
        return this.size;
    }

    /** The bytes on the node: the offset to append at. */
    public long getReceived() {
        return this.received;
    }

    /** The file is on the node, checked against its SHA-256. */
    public boolean isCompleted() {
        return this.completed;
    }
}
