package cn.xietong.rmi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An incoming package in the node's inbox (schema {@code InboxItem}, with its {@code Delivery}, of docs/openapi.yaml). */
public final class InboxItem implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String packageId;
    private final long feedSeq;
    private final String state;
    private final String storedAt;
    private final String deliveredAt;
    private final String sender;
    private final String receiver;
    private final String flow;
    private final String messageType;
    private final String unifiedCaseCode;
    private final String agencyCaseNumber;
    private final String contentSHA256;
    private final long contentSize;
    private final String acceptedAt;
    private final ArrayList<AttachmentInfo> attachments;

    public InboxItem(String packageId, long feedSeq, String state, String storedAt, String deliveredAt, String sender, String receiver,
        String flow, String messageType, String unifiedCaseCode, String agencyCaseNumber, String contentSHA256, long contentSize,
        String acceptedAt, List<AttachmentInfo> attachments) {
        this.packageId = packageId;
        this.feedSeq = feedSeq;
        this.state = state;
        this.storedAt = storedAt;
        this.deliveredAt = deliveredAt;
        this.sender = sender;
        this.receiver = receiver;
        this.flow = flow;
        this.messageType = messageType;
        this.unifiedCaseCode = unifiedCaseCode;
        this.agencyCaseNumber = agencyCaseNumber;
        this.contentSHA256 = contentSHA256;
        this.contentSize = contentSize;
        this.acceptedAt = acceptedAt;
        this.attachments = attachments == null ? new ArrayList<AttachmentInfo>() : new ArrayList<AttachmentInfo>(attachments);
    }

    public String getPackageId() {
        return this.packageId;
    }

    /** The node's position of this package: list again after it with {@code inbox(feedSeq, …)}. */
    public long getFeedSeq() {
        return this.feedSeq;
    }

    /** {@code stored} (not yet acknowledged) or {@code delivered}. */
    public String getState() {
        return this.state;
    }

    public String getStoredAt() {
        return this.storedAt;
    }

    /** When it was acknowledged, or null. */
    public String getDeliveredAt() {
        return this.deliveredAt;
    }

    public String getSender() {
        return this.sender;
    }

    public String getReceiver() {
        return this.receiver;
    }

    public String getFlow() {
        return this.flow;
    }

    public String getMessageType() {
        return this.messageType;
    }

    public String getUnifiedCaseCode() {
        return this.unifiedCaseCode;
    }

    public String getAgencyCaseNumber() {
        return this.agencyCaseNumber;
    }

    /** The SHA-256 of the package's bytes, as the hub recorded it: {@code fetchPackage} returns bytes of this hash. */
    public String getContentSHA256() {
        return this.contentSHA256;
    }

    public long getContentSize() {
        return this.contentSize;
    }

    /** When the hub accepted it. */
    public String getAcceptedAt() {
        return this.acceptedAt;
    }

    public List<AttachmentInfo> getAttachments() {
        return Collections.unmodifiableList(this.attachments);
    }
}
