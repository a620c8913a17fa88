package cn.xietong.rmi;

import java.io.Serializable;

/**
 * One message of the node's event stream, numbered by the gateway. {@link #getType()} is
 * <ul>
 * <li>{@code packageEvent}: a hop of a package the organisation sends or receives ({@link #getEvent()}, with the
 * hop's name in {@link #getTextZh()} and {@link #getTextEn()});</li>
 * <li>{@code deadlineReminder}: a time-limit reminder (GS-3), its text in both languages and the whole reminder as
 * the node sent it in {@link #getJson()};</li>
 * <li>{@code gap}: the gateway's connection to the node's stream was down between the neighbouring events; hops made
 * meanwhile are not in the stream ({@link XietongNode#packageStatus} has them all);</li>
 * <li>any other type a later node sends, as JSON in {@link #getJson()}.</li>
 * </ul>
 */
public final class NodeEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long seq;
    private final String type;
    private final String receivedAt;
    private final PackageEvent event;
    private final String textZh;
    private final String textEn;
    private final String json;

    public NodeEvent(long seq, String type, String receivedAt, PackageEvent event, String textZh, String textEn, String json) {
        this.seq = seq;
        this.type = type;
        this.receivedAt = receivedAt;
        this.event = event;
        this.textZh = textZh;
        this.textEn = textEn;
        this.json = json;
    }

    /** The gateway's number of this event, from 1 in each run of the gateway. */
    public long getSeq() {
        return this.seq;
    }

    public String getType() {
        return this.type;
    }

    /** When the gateway received it (ISO 8601 UTC). */
    public String getReceivedAt() {
        return this.receivedAt;
    }

    /** The hop of a {@code packageEvent}, else null. */
    public PackageEvent getEvent() {
        return this.event;
    }

    public String getTextZh() {
        return this.textZh;
    }

    public String getTextEn() {
        return this.textEn;
    }

    /** The message as the node sent it (null for a {@code gap}). */
    public String getJson() {
        return this.json;
    }

    @Override
    public String toString() {
        return "#" + this.seq + " " + this.type + (this.event == null ? "" : " " + this.event) + (this.textZh == null ? "" : " " + this.textZh);
    }
}
