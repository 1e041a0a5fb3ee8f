package labdevice;

import java.util.Map;
import java.util.TreeMap;

/** Scenario name (as in labdevice/scenarios/<name>.json) to its app class. */
public final class Scenarios {
    private static final Map<String, String> CLASSES = new TreeMap<>();

    static {
        CLASSES.put("compliant", "com.labshop.compliant.CompliantScenario");
        CLASSES.put("preconsent_leak", "com.labshop.leaky.PreconsentLeakScenario");
        CLASSES.put("refusal_ignored", "com.labshop.maps.RefusalIgnoredScenario");
        CLASSES.put("overfrequency", "com.labshop.weather.OverfrequencyScenario");
        CLASSES.put("encoded_ids", "com.labshop.reader.EncodedIdsScenario");
        CLASSES.put("encrypted_payload", "com.labshop.game.EncryptedPayloadScenario");
        CLASSES.put("party_split", "com.labshop.shop.PartySplitScenario");
        CLASSES.put("pinned", "com.labshop.bank.PinnedScenario");
        CLASSES.put("withdraw", "com.labshop.news.WithdrawScenario");
        CLASSES.put("api_tour", "com.labshop.tour.ApiTourScenario");
        CLASSES.put("late_sdk", "com.labshop.travel.LateSdkScenario");
    }

    private Scenarios() {}

    public static LabScenario create(String name) {
        String className = CLASSES.get(name);
        if (className == null) throw new IllegalArgumentException("unknown scenario " + name + " (known: " + CLASSES.keySet() + ")");
        try {
            return (LabScenario) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create scenario " + name, e);
        }
    }
}
