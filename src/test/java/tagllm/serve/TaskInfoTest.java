package tagllm.serve;

import org.junit.jupiter.api.Test;
import tagllm.task.Presets;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

class TaskInfoTest {
    @Test
    void fieldsArePlaceholdersBeforeTheOutputAfterColumnRenaming() {
        // templates and column maps of the paper's presets (digest §1): BA reads {protein} from column protein_seq
        assertEquals(List.of("protein_seq", "smiles"), TaskInfo.of(Presets.get("BA", "t"), "preset").fields());
        assertEquals(List.of("drug1", "smiles1", "drug2", "smiles2"), TaskInfo.of(Presets.get("DC", "t"), "preset").fields());
        assertEquals(List.of("sequence"), TaskInfo.of(Presets.get("Descriptor", "t"), "preset").fields());
        assertEquals(List.of("src"), TaskInfo.of(Presets.get("Translate:de-en", "t"), "preset").fields());
        TaskInfo ba = TaskInfo.of(Presets.get("BA", "t"), "preset");
        assertEquals(List.of("<Protein>", "<SMILES>", "<BA>"), List.copyOf(ba.tags().keySet()));
        var e = assertThrows(ApiException.class, () -> ba.requireFields(Map.of("smiles", "CCO"), "inputs[2]"));
        assertEquals(400, e.status());
        assertEquals("inputs[2]: missing field 'protein_seq' (task BA expects fields 'protein_seq', 'smiles')", e.getMessage());
    }

    @Test
    void aRequestWaitingPastTheBusyTimeoutGets503() throws Exception {
        ComputeGate gate = new ComputeGate(Duration.ofMillis(100));
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread holder = new Thread(() -> gate.run(() -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        holder.start();
        try {
            holding.await();
            var e = assertThrows(ApiException.class, () -> gate.run(() -> 1));
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("server busy") && e.getMessage().contains("0.1 s"), e.getMessage());
        } finally {
            release.countDown();
            holder.join(5_000);
        }
        assertEquals(7, gate.run(() -> 7), "free again once the holder is done");
    }
}
