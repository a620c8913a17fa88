package cn.xietong.rmi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What {@link XietongNode#nextEvents} answers: the events after the number asked for, and what the caller needs to
 * go on without losing its place.
 *
 * <p>Ask again with {@link #getLastSeq()}. When {@link #getGatewayRun()} differs from the run of the previous batch,
 * the gateway restarted and numbers from 1 again: start from 0. {@link #getMissed()} counts events the gateway no
 * longer kept (the caller fell more than 10,000 behind); a {@code gap} event marks a time the gateway was not
 * connected to the node. After either, read the status of the packages concerned ({@link XietongNode#packageStatus})
 * or the inbox: those are complete, the stream is a notification.
 */
public final class EventBatch implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String gatewayRun;
    private final ArrayList<NodeEvent> events;
    private final long lastSeq;
    private final long missed;
    private final boolean connected;

    public EventBatch(String gatewayRun, List<NodeEvent> events, long lastSeq, long missed, boolean connected) {
        this.gatewayRun = gatewayRun;
        this.events = events == null ? new ArrayList<NodeEvent>() : new ArrayList<NodeEvent>(events);
        this.lastSeq = lastSeq;
        this.missed = missed;
        this.connected = connected;
    }

    /** A random id of the gateway's run. */
    public String getGatewayRun() {
        return this.gatewayRun;
    }

    /** The events, in order; empty when none came within the timeout. */
    public List<NodeEvent> getEvents() {
        return Collections.unmodifiableList(this.events);
    }

    /** The number to ask after next time. */
    public long getLastSeq() {
        return this.lastSeq;
    }

    /** Events after the number asked for that the gateway no longer kept. */
    public long getMissed() {
        return this.missed;
    }

    /** Whether the gateway is connected to the node's event stream now. */
    public boolean isConnected() {
        return this.connected;
    }
}
