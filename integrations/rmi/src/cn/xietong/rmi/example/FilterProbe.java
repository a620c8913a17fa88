package cn.xietong.rmi.example;

import cn.xietong.rmi.Attachment;
import cn.xietong.rmi.GatewayClient;
import cn.xietong.rmi.SerialFilters;
import cn.xietong.rmi.XietongException;
import cn.xietong.rmi.XietongNode;
import java.io.InvalidClassException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;

/**
 * Checks the gateway's deserialisation filter from outside, as an attacker would try it: a remote call whose list of
 * attachments smuggles objects of other classes — JDK classes the gateway could build ({@code java.util.Date},
 * {@code java.util.HashMap}, the start of many gadget chains) and a Serializable class of this very jar. Each must be
 * refused while the gateway reads the call, before any of the gateway's code runs; then an ordinary call must still
 * be answered.
 *
 * <pre>java -cp xietong-rmi.jar cn.xietong.rmi.example.FilterProbe [--registry HOST:PORT] [--name NAME]</pre>
 *
 * Prints {@code rejected CLASS: …} for each refusal and {@code accepted CLASS: …} for anything that got through; exit
 * code 0 only when all were refused and the gateway still answers.
 */
public final class FilterProbe {
    private FilterProbe() {}

    /** Serializable, on the gateway's class path, and still not one of the classes a call may carry. */
    public static final class Smuggled implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String payload = "not an attachment";
    }

    public static void main(String[] arguments) throws Exception {
        SerialFilters.installClientFilter();
        String host = "127.0.0.1";
        int port = 1099;
        String name = "xietong";
        for (int i = 0; i + 1 < arguments.length; i += 2) {
            if (arguments[i].equals("--registry")) {
                int colon = arguments[i + 1].lastIndexOf(':');
                host = arguments[i + 1].substring(0, colon);
                port = Integer.parseInt(arguments[i + 1].substring(colon + 1));
            } else if (arguments[i].equals("--name")) {
                name = arguments[i + 1];
            }
        }
        XietongNode node = GatewayClient.connect(host, port, name);
        boolean allRejected = true;
        HashMap<String, String> map = new HashMap<>();
        map.put("gadget", "chain");
        for (Object smuggled : new Object[] {new Date(0), map, new Smuggled()}) {
            allRejected &= probe(node, smuggled);
        }
        String organisation;
        try {
            organisation = node.info().getOrganisation();
        } catch (RemoteException e) {
            System.out.println("gateway-down " + e);
            System.exit(1);
            return;
        }
        System.out.println("still-answers organisation=" + organisation);
        System.exit(allRejected ? 0 : 1);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static boolean probe(XietongNode node, Object smuggled) {
        String type = smuggled.getClass().getName();
        List list = new ArrayList();
        list.add(new Attachment("ok.pdf", new byte[] {1, 2, 3}));
        list.add(smuggled);
        try {
            node.sendPackage("<x/>".getBytes(StandardCharsets.UTF_8), (List<Attachment>) list);
            System.out.println("accepted " + type + ": the call went through");
            return false;
        } catch (XietongException e) {
            // The gateway's own code ran with the object: the filter did not stop it.
            System.out.println("accepted " + type + ": the gateway answered " + e.getCode());
            return false;
        } catch (RemoteException e) {
            Throwable cause = e;
            while (cause != null && !(cause instanceof InvalidClassException)) cause = cause.getCause();
            if (cause != null && String.valueOf(cause.getMessage()).contains("REJECTED")) {
                System.out.println("rejected " + type + ": " + cause.getMessage());
                return true;
            }
            System.out.println("accepted " + type + ": failed otherwise: " + e);
            return false;
        } catch (RuntimeException e) {
            System.out.println("accepted " + type + ": the gateway failed with " + e);
            return false;
        }
    }
}
