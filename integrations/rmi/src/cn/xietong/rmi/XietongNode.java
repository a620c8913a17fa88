package cn.xietong.rmi;

import java.rmi.Remote;
import java.rmi.RemoteException;
import java.util.List;

/**
 * An agency's exchange node as a remote object (DB33/T 1420.2-2025 ZJ-7.2.1: RMI). The gateway ({@link Gateway})
 * forwards every call to the node's HTTP interface for business systems (docs/openapi.yaml) with the business
 * system's key, and answers with the node's answer as values of this package.
 *
 * <p>Every refusal and error reaches the caller as a {@link XietongException} carrying the node's stable code, its
 * Chinese and English message and, for a refused package, the findings. {@link RemoteException} is the RMI
 * transport's own failure (the gateway cannot be reached, or refused to read what was sent).
 *
 * <p>This interface and its value classes are compiled for Java 8, so that older business systems can call the
 * gateway; the gateway itself runs on Java 11 or later.
 */
public interface XietongNode extends Remote {
    /** The gateway and the node it forwards to: organisation, versions, whether the event stream is connected. */
    GatewayInfo info() throws XietongException, RemoteException;

    /**
     * Sends a case data package (ZJ-7.2.3 a): uploads each attachment ({@code POST /api/v1/attachments}, checked
     * against its SHA-256), then posts the XML ({@code POST /api/v1/packages}). Attachments uploaded before (by
     * {@link #uploadAttachment} or {@link #startUpload}) need not be given again: the manifest names files by SHA-256.
     *
     * @param xml the package, exactly the bytes to send
     * @param attachments the files the manifest lists, or an empty list
     * @return the node's receipt; {@link Receipt#isRepeated()} when the same package was sent before (GZ-7)
     * @throws XietongException {@code package.refused} with the findings when the node refuses the package, or the
     *     node's error ({@code store.disk-full}, {@code package.too-large}, …)
     */
    Receipt sendPackage(byte[] xml, List<Attachment> attachments) throws XietongException, RemoteException;

    /** Uploads one file of up to 64 MiB ({@code POST /api/v1/attachments}); returns its SHA-256. */
    String uploadAttachment(byte[] content) throws XietongException, RemoteException;

    /**
     * Starts a resumable upload of a large file (GZ-6, {@code POST /api/v1/uploads}); send its bytes in chunks with
     * {@link #appendUpload}. {@link UploadProgress#isCompleted()} at once when the node has the file already.
     */
    UploadProgress startUpload(String sha256, long size, String name) throws XietongException, RemoteException;

    /**
     * Appends {@code chunk} at {@code offset} ({@code PATCH /api/v1/uploads/{id}}); a wrong offset is refused with
     * {@code upload.offset-mismatch}, whose {@link #uploadProgress} gives the one to resume from.
     */
    UploadProgress appendUpload(String uploadId, long offset, byte[] chunk) throws XietongException, RemoteException;

    /** Where an upload stands: the bytes on the node, to resume from after a broken connection. */
    UploadProgress uploadProgress(String uploadId) throws XietongException, RemoteException;

    /** A package's hops, as the node knows them ({@code GET /api/v1/packages/{id}}, GZ-5). */
    PackageStatus packageStatus(String packageId) throws XietongException, RemoteException;

    /**
     * Incoming packages in arrival order ({@code GET /api/v1/inbox}, pull, ZJ-7.1.3.2 b).
     *
     * @param afterSeq the node's position ({@link InboxItem#getFeedSeq()}) after which to list; 0 for the first
     * @param undeliveredOnly only packages not yet acknowledged
     * @param limit 1 to 1,000
     */
    List<InboxItem> inbox(long afterSeq, boolean undeliveredOnly, int limit) throws XietongException, RemoteException;

    /** The package's XML exactly as its sender sent it ({@code GET /api/v1/inbox/{id}}, GZ-1). */
    byte[] fetchPackage(String packageId) throws XietongException, RemoteException;

    /** One of the package's files by SHA-256 ({@code GET /api/v1/inbox/{id}/attachments/{sha256}}), up to 512 MiB. */
    byte[] fetchAttachment(String packageId, String sha256) throws XietongException, RemoteException;

    /** Marks a pulled package delivered ({@code POST /api/v1/inbox/{id}/ack}). Acknowledging twice is harmless. */
    void acknowledge(String packageId) throws XietongException, RemoteException;

    /** Signs for a package (签收, {@code POST /api/v1/inbox/{id}/sign}); {@code note} may be null. */
    void signFor(String packageId, String note) throws XietongException, RemoteException;

    /** Returns a package (退回, {@code POST /api/v1/inbox/{id}/return}); the reason is required and reaches the sender. */
    void returnPackage(String packageId, String reason) throws XietongException, RemoteException;

    /**
     * The node's events after {@code afterSeq} (ZJ-5.2.2 b: every hop of the organisation's packages, and time-limit
     * reminders), waiting up to {@code timeoutMillis} (at most 60,000) for one to come. A long poll: call it in a
     * loop with the batch's {@link EventBatch#getLastSeq()}. The gateway numbers the events it received from the
     * node's WebSocket since it started ({@link EventBatch#getGatewayRun()} changes when it restarts, and the
     * numbers start again at 1) and keeps the newest 10,000; see {@link EventBatch} for what a caller may have
     * missed.
     */
    EventBatch nextEvents(long afterSeq, long timeoutMillis) throws XietongException, RemoteException;
}
