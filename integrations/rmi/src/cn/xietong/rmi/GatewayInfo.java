package cn.xietong.rmi;

import java.io.Serializable;

/** The gateway and its node. */
public final class GatewayInfo implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String gatewayVersion;
    private final String gatewayRun;
    private final String nodeURL;
    private final String organisation;
    private final String nodeVersion;
    private final boolean eventsConnected;
    private final long lastEventSeq;

    public GatewayInfo(String gatewayVersion, String gatewayRun, String nodeURL, String organisation, String nodeVersion,
        boolean eventsConnected, long lastEventSeq) {
        this.gatewayVersion = gatewayVersion;
        this.gatewayRun = gatewayRun;
        this.nodeURL = nodeURL;
        this.organisation = organisation;
        this.nodeVersion = nodeVersion;
        this.eventsConnected = eventsConnected;
        this.lastEventSeq = lastEventSeq;
    }

    public String getGatewayVersion() {
        return this.gatewayVersion;
    }

    /** A random id of the gateway's run (as in {@link EventBatch#getGatewayRun()}). */
    public String getGatewayRun() {
        return this.gatewayRun;
    }

    public String getNodeURL() {
        return this.nodeURL;
    }

    /** The node's organisation code (12 digits), from its {@code /healthz}; null while the node does not answer. */
    public String getOrganisation() {
        return this.organisation;
    }

    /** The node's version, from its {@code /version}; null while the node does not answer. */
    public String getNodeVersion() {
        return this.nodeVersion;
    }

    /** Whether the gateway is connected to the node's event stream (its WebSocket) now. */
    public boolean isEventsConnected() {
        return this.eventsConnected;
    }

    /** The number of the newest event the gateway holds, 0 for none. */
    public long getLastEventSeq() {
        return this.lastEventSeq;
    }
}
