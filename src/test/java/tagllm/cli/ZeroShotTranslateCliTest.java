package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.eval.Bleu;
import tagllm.eval.ChrF;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The paper's zero-shot composition, end to end at toy size: language tags from stage 1, <Translate>
 * trained on EN→FR in stage 3, then ES→PT (a pair never trained together) generated and scored.
 */
class ZeroShotTranslateCliTest {
    @Test
    void languageTagsComposeWithTranslateOnAnUnseenPair(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Path lang = Shared.data("language"), tr = Shared.data("translation");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 2}
                tasks:
                  en: {preset: EN, max_length: 48, data: {path: %s/en.txt, max_train: 4}}
                  fr: {preset: FR, max_length: 48, data: {path: %s/fr.txt, max_train: 4}}
                  es: {preset: ES, max_length: 48, data: {path: %s/es.txt, max_train: 4}}
                  pt: {preset: PT, max_length: 48, data: {path: %s/pt.txt, max_train: 4}}
                  en_fr: {preset: "Translate:en-fr", max_length: 120, data: {path: %s/en-fr/train.tsv, max_train: 4}}
                stages:
                  - {name: languages, stage: 1, tasks: [en, fr, es, pt]}
                  - {name: translate, stage: 3, tasks: [en_fr]}
                """.formatted(model, lang, lang, lang, lang, tr));
        var t = CliRun.of("train", dir.resolve("exp.yaml").toString(), "--quiet");
        assertEquals(0, t.exit(), t.err());
        Path tags = dir.resolve("runs/exp/final.tags.safetensors");
        TagSet s = TagFile.read(tags);
        for (String n : new String[]{"EN", "FR", "ES", "PT", "Translate"}) assertTrue(s.has(n), n);
        TagSet languages = TagFile.read(dir.resolve("runs/exp/languages.tags.safetensors"));
        assertArrayEquals(languages.get("ES").values(), s.get("ES").values(), "stage 3 keeps domain tags frozen");

        // predict and eval on the same three ES→PT rows: eval's BLEU and chrF are those of predict's outputs
        Path esPt = Shared.data("translation/es-pt/test.tsv");
        Path three = dir.resolve("three.tsv");
        Files.write(three, Files.readAllLines(esPt).subList(0, 4)); // header + 3 rows
        var p = CliRun.of("predict", "--model", model.toString(), "--tags", tags.toString(), "--task", "Translate:es-pt", "--input", three.toString(),
                "--max-tokens", "6");
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().startsWith("src,tgt,corpus,output,error\n"), p.out());
        List<String> outputs = new ArrayList<>(), references = new ArrayList<>();
        for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(p.out()))) {
            outputs.add(rec.get("output"));
            references.add(rec.get("tgt"));
        }
        assertEquals(3, outputs.size(), p.out());

        var e = CliRun.of("eval", "--model", model.toString(), "--tags", tags.toString(), "--task", "Translate:es-pt", "--input", esPt.toString(),
                "--max-rows", "3", "--max-tokens", "6", "--json");
        assertEquals(0, e.exit(), e.err());
        JsonNode m = new ObjectMapper().readTree(e.out());
        assertEquals(3, m.get("n").asInt());
        assertEquals(Bleu.corpus(outputs, List.of(references)).score(), m.get("bleu").asDouble(), 1e-9, e.out());
        assertEquals(ChrF.corpus(outputs, List.of(references)), m.get("chrf2").asDouble(), 1e-9, e.out());
    }
}
