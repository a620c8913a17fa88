package cn.xietong.rmi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A package's hops as the node knows them ({@code GET /api/v1/packages/{id}}). */
public final class PackageStatus implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String packageId;
    private final String direction;
    private final ArrayList<PackageEvent> events;
    private final Receipt hubReceipt;

    public PackageStatus(String packageId, String direction, List<PackageEvent> events, Receipt hubReceipt) {
        this.packageId = packageId;
        this.direction = direction;
        this.events = events == null ? new ArrayList<PackageEvent>() : new ArrayList<PackageEvent>(events);
        this.hubReceipt = hubReceipt;
    }

    public String getPackageId() {
        return this.packageId;
    }

    /** {@code outgoing} (this organisation sent it) or {@code incoming}. */
    public String getDirection() {
        return this.direction;
    }

    /** Its hops, in order. */
    public List<PackageEvent> getEvents() {
        return Collections.unmodifiableList(this.events);
    }

    /** The hub's receipt of an outgoing package once the hub has it, else null. */
    public Receipt getHubReceipt() {
        return this.hubReceipt;
    }

    /** Whether the package has reached {@code hop}. */
    public boolean hasHop(String hop) {
        for (PackageEvent event : this.events) {
            if (event.getHop().equals(hop)) return true;
        }
        return false;
    }
}
