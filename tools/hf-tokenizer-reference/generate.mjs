// Generates src/test/resources/tagllm/tokenizer/hf-reference.json: tokenizer.json variants of every
// family tagllm supports, with the ids and decoded text that Hugging Face tokenizers (the Rust library,
// through its official Node binding) gives for a set of texts. HfReferenceTest replays them.
//
//   npm install tokenizers@0.23.2      (in this folder or any parent)
//   node generate.mjs ../../../shared ../../src/test/resources/tagllm/tokenizer/hf-reference.json
//
// (A Strip decoder with stop > 0 is left out: tokenizers panics on an empty decoded string.)
// The vocabularies are small BPEs trained here, naively, on ../shared/data text: their quality does not
// matter, only that both implementations run the same files.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const [sharedDir, outFile] = process.argv.slice(2);
if (!sharedDir || !outFile) { console.error('usage: node generate.mjs SHARED_DIR OUT_JSON'); process.exit(2); }

const lines = (f, n) => fs.readFileSync(path.join(sharedDir, 'data', f), 'utf8').split('\n').filter(l => l.length > 0).slice(0, n);
const langs = ['de', 'el', 'en', 'es', 'fr', 'it', 'pt', 'ru'];
const csvColumn = (f, col, n) => {
  const rows = lines(f, n + 1);
  const idx = rows[0].split(',').indexOf(col);
  return rows.slice(1).map(r => r.split(',')[idx]);
};

// ---- training corpus ----
const corpus = [];
for (const l of langs) corpus.push(...lines(`language/${l}.txt`, 300));
corpus.push(...csvColumn('smiles/zinc20k.csv', 'smiles', 400));
corpus.push(...csvColumn('protein/deepsol.csv', 'sequence', 40));

// GPT-2 byte-level alphabet
const byteChar = [];
{
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    byteChar[b] = String.fromCodePoint(printable ? b : 0x100 + n++);
  }
}
const enc = new TextEncoder();
const byteLevel = s => Array.from(enc.encode(s), b => byteChar[b]).join('');

/** Naive BPE training: most frequent adjacent pair first (ties by the pair's text). */
function train(words, allowed, nMerges) {
  let entries = [...words.entries()].map(([w, f]) => [Array.from(w), f]);
  const merges = [];
  for (let m = 0; m < nMerges; m++) {
    const counts = new Map();
    for (const [syms, f] of entries) {
      for (let i = 0; i + 1 < syms.length; i++) {
        if (!allowed(syms[i]) || !allowed(syms[i + 1])) continue;
        const k = syms[i] + '\u0000' + syms[i + 1];
        counts.set(k, (counts.get(k) || 0) + f);
      }
    }
    let best = null, bestCount = 1;
    for (const [k, c] of counts) if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    for (const e of entries) {
      const s = e[0], out = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { out.push(a + b); i++; } else out.push(s[i]);
      }
      e[0] = out;
    }
  }
  return merges;
}

// byte-level base: 256 byte characters, then merges over GPT-2-style words
const blWords = new Map();
for (const line of corpus) {
  for (const m of line.matchAll(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu)) {
    const w = byteLevel(m[0]);
    blWords.set(w, (blWords.get(w) || 0) + 1);
  }
}
const blVocab = {};
byteChar.forEach((c, i) => { blVocab[c] = i; });
const blMerges = train(blWords, () => true, 1200);
for (const [a, b] of blMerges) if (!(a + b in blVocab)) blVocab[a + b] = Object.keys(blVocab).length;

// metaspace base: <unk> <s> </s>, 256 byte pieces, the 250 most frequent characters, merges over ▁words
const msVocab = { '<unk>': 0, '<s>': 1, '</s>': 2 };
for (let b = 0; b < 256; b++) msVocab['<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>'] = 3 + b;
const charCount = new Map();
const msWords = new Map();
for (const line of corpus) {
  for (const w of line.split(' ')) {
    if (!w) continue;
    const word = '\u2581' + w;
    msWords.set(word, (msWords.get(word) || 0) + 1);
    for (const c of word) charCount.set(c, (charCount.get(c) || 0) + 1);
  }
}
const chars = [...charCount.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 250).map(e => e[0]).sort();
for (const c of chars) msVocab[c] = Object.keys(msVocab).length;
const msMerges = train(msWords, s => s in msVocab || s.length > 1 && !s.startsWith('<0x'), 800);
for (const [a, b] of msMerges) if (!(a + b in msVocab)) msVocab[a + b] = Object.keys(msVocab).length;

// CLIP-like base: byte characters, each also with the end-of-word suffix </w>, merges over suffixed words
const clipVocab = {};
byteChar.forEach(c => { clipVocab[c] = Object.keys(clipVocab).length; });
byteChar.forEach(c => { clipVocab[c + '</w>'] = Object.keys(clipVocab).length; });
const clipWords = new Map();
for (const line of corpus) {
  for (const m of line.toLowerCase().matchAll(/\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu)) {
    const syms = Array.from(byteLevel(m[0]));
    syms[syms.length - 1] += '</w>';
    const k = syms.join('\u0001');
    clipWords.set(k, (clipWords.get(k) || 0) + 1);
  }
}
const clipMerges = (() => {
  // same naive training, on symbol lists that already carry the suffix
  let entries = [...clipWords.entries()].map(([k, f]) => [k.split('\u0001'), f]);
  const merges = [];
  for (let m = 0; m < 600; m++) {
    const counts = new Map();
    for (const [syms, f] of entries) for (let i = 0; i + 1 < syms.length; i++) {
      const k = syms[i] + '\u0000' + syms[i + 1];
      counts.set(k, (counts.get(k) || 0) + f);
    }
    let best = null, bestCount = 1;
    for (const [k, c] of counts) if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    for (const e of entries) {
      const s = e[0], out = [];
      for (let i = 0; i < s.length; i++) { if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { out.push(a + b); i++; } else out.push(s[i]); }
      e[0] = out;
    }
  }
  return merges;
})();
for (const [a, b] of clipMerges) if (!(a + b in clipVocab)) clipVocab[a + b] = Object.keys(clipVocab).length;
for (const t of ['<|startoftext|>', '<|endoftext|>']) clipVocab[t] = Object.keys(clipVocab).length;  // as in CLIP's vocabulary

// ---- variants ----
const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const byteLevelPre = (addPrefixSpace, useRegex) => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: useRegex });
const split = (regex, behavior) => ({ type: 'Split', pattern: { Regex: regex }, behavior, invert: false });
const template = (tok, id) => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: tok, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ SpecialToken: { id: tok, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: { [tok]: { id: tok, ids: [id], tokens: [tok] } },
});
/** Added tokens: [content, special, {options}]; ids continue the vocabulary unless the token is in it. */
function added(vocab, specs) {
  let next = Object.keys(vocab).length;
  return specs.map(([content, special, o = {}]) => ({
    id: content in vocab ? vocab[content] : next++, content,
    single_word: !!o.single_word, lstrip: !!o.lstrip, rstrip: !!o.rstrip,
    normalized: o.normalized === undefined ? !special : o.normalized, special,
  }));
}
const idOf = (toks, content) => toks.find(t => t.content === content).id;

const variants = [];
{
  const toks = added(blVocab, [['<|endoftext|>', true]]);
  variants.push({ name: 'gpt2', base: 'byte_level', added_tokens: toks, normalizer: null, pre_tokenizer: byteLevelPre(false, true),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}
{
  const toks = added(blVocab, [['<s>', true], ['<pad>', true], ['</s>', true], ['<mask>', true, { lstrip: true }]]);
  variants.push({ name: 'roberta-like', base: 'byte_level', added_tokens: toks, normalizer: null, pre_tokenizer: byteLevelPre(true, true),
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', idOf(toks, '</s>')], cls: ['<s>', idOf(toks, '<s>')], trim_offsets: true, add_prefix_space: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}
{
  const toks = added(blVocab, [['<|begin_of_text|>', true], ['<|end_of_text|>', true], ['<|reserved_special_token_0|>', true], ['<|eot_id|>', true]]);
  variants.push({ name: 'llama3', base: 'byte_level', added_tokens: toks, normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [split(LLAMA3, 'Isolated'), byteLevelPre(false, false)] },
    post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }, template('<|begin_of_text|>', idOf(toks, '<|begin_of_text|>'))] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: { ignore_merges: true } });
}
{
  const toks = added(blVocab, [['<|endoftext|>', true], ['<|im_start|>', true], ['<|im_end|>', true], ['<think>', false, { normalized: false }], ['</think>', false, { normalized: false }]]);
  variants.push({ name: 'qwen2', base: 'byte_level', added_tokens: toks, normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [split(QWEN2, 'Isolated'), byteLevelPre(false, false)] },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, model_options: { ignore_merges: false } });
}
{
  const toks = added(blVocab, [['<|endoftext|>', true], ['<|im_start|>', true], ['<|im_end|>', true]]);
  variants.push({ name: 'smollm', base: 'byte_level', added_tokens: toks, normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevelPre(false, true)] },
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}
{
  const toks = added(msVocab, [['<unk>', true], ['<s>', true], ['</s>', true]]);
  variants.push({ name: 'llama2', base: 'metaspace', added_tokens: toks,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
    pre_tokenizer: null, post_processor: template('<s>', 1),
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model_options: { unk_token: '<unk>', byte_fallback: true, fuse_unk: true } });
}
{
  const toks = added(msVocab, [['<unk>', true], ['<s>', true], ['</s>', true], ['[INST]', true], ['[/INST]', true]]);
  const ms = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  variants.push({ name: 'mistral-v3', base: 'metaspace', added_tokens: toks, normalizer: null, pre_tokenizer: ms, post_processor: template('<s>', 1),
    decoder: { type: 'Sequence', decoders: [ms, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    model_options: { unk_token: '<unk>', byte_fallback: true, fuse_unk: true } });
}
{
  const toks = added(msVocab, [['<unk>', true], ['<s>', true], ['</s>', true]]);
  const ms = { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true };
  variants.push({ name: 'metaspace-legacy-unk', base: 'metaspace', added_tokens: toks, normalizer: null, pre_tokenizer: ms, post_processor: null,
    decoder: ms, model_options: { unk_token: '<unk>', byte_fallback: false, fuse_unk: false } });
}
{
  const toks = added(blVocab, [['<mask>', true, { lstrip: true }], ['[SEP]', true, { rstrip: true }], ['hello', false, { single_word: true, normalized: true }],
    ['[WORLD]', false, { normalized: true }], ['<raw>', false, { normalized: false }]]);
  variants.push({ name: 'added-token-rules', base: 'byte_level', added_tokens: toks,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, pre_tokenizer: byteLevelPre(true, true),
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}
{
  const toks = added(blVocab, [['<|sep|>', true]]);
  variants.push({ name: 'bytelevel-normalizer', base: 'byte_level', added_tokens: toks,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'ByteLevel' }] },
    pre_tokenizer: { type: 'Split', pattern: { String: '\u0120' }, behavior: 'MergedWithNext', invert: false },
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}
{
  const toks = added(blVocab, [['[CLS]', true], ['[SEP]', true]]);
  variants.push({ name: 'bert-like-split', base: 'byte_level', added_tokens: toks, normalizer: { type: 'Strip', strip_left: true, strip_right: true },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, byteLevelPre(false, false)] },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', idOf(toks, '[SEP]')], cls: ['[CLS]', idOf(toks, '[CLS]')] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }, model_options: {} });
}

{
  const toks = added(msVocab, [['<unk>', true], ['<s>', true], ['</s>', true], ['[INST]', true]]);
  const ms = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true };
  variants.push({ name: 'metaspace-first-split', base: 'metaspace', added_tokens: toks, normalizer: null, pre_tokenizer: ms, post_processor: template('<s>', 1),
    decoder: { type: 'Sequence', decoders: [ms, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model_options: { unk_token: '<unk>', byte_fallback: true, fuse_unk: true } });
}
{
  const toks = added(blVocab, [['<|sep|>', true, { lstrip: true, rstrip: true }], ['ok', true, { single_word: true, normalized: false }]]);
  variants.push({ name: 'split-behaviours', base: 'byte_level', added_tokens: toks, normalizer: { type: 'Nmt' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'CharDelimiterSplit', delimiter: '|' },
      { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Removed', invert: false },
      { type: 'Split', pattern: { Regex: '[aeiou]' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { String: '-' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '[0-9]' }, behavior: 'Contiguous', invert: false },
      { type: 'Split', pattern: { Regex: '\\p{Lu}+' }, behavior: 'Isolated', invert: true },
      byteLevelPre(false, false)] },
    post_processor: null, decoder: { type: 'Sequence', decoders: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, { type: 'Strip', content: 'x', start: 2, stop: 0 }] }, model_options: {} });
}
{
  const toks = added(clipVocab, [['<|startoftext|>', true], ['<|endoftext|>', true]]);
  variants.push({ name: 'clip-like', base: 'clip', added_tokens: toks,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
      byteLevelPre(false, false)] },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', idOf(toks, '<|endoftext|>')], cls: ['<|startoftext|>', idOf(toks, '<|startoftext|>')], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'BPEDecoder', suffix: '</w>' }, model_options: { end_of_word_suffix: '</w>', continuing_subword_prefix: '', unk_token: '<|endoftext|>' } });
}

{
  // Hand-edited added_tokens ids, which tokenizers does not honour: it adds the tokens in file order, keeps the id of a
  // token the vocabulary (or an earlier added token) holds, numbers the others on from the vocabulary's size.
  const n = Object.keys(msVocab).length;
  const tok = (id, content, special) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special });
  const toks = [tok(0, '<unk>', true), tok(1, '<s>', true), tok(2, '</s>', true), tok(n + 1, '[INST]', true), tok(n, '[/INST]', true),
    tok(n + 40, '<gap>', true), tok(5, '<clash>', true), tok(n, '<dup>', false), tok(7, '', true)];
  const ms = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  variants.push({ name: 'added-ids-renumbered', base: 'metaspace', added_tokens: toks, normalizer: null, pre_tokenizer: ms, post_processor: template('<s>', 1),
    decoder: { type: 'Sequence', decoders: [ms, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    model_options: { unk_token: '<unk>', byte_fallback: true, fuse_unk: true } });
}

// ---- texts ----
const texts = [
  '', ' ', '  ', '\n', 'Hello world', ' Hello  world ', 'Hello\tworld\n\nNew paragraph\r\nend', "I'M here, you're there; they'LL see. We'd've",
  '1234567 + 89 = 1234656', '3.14159e-10 and 2,500,000', 'ÅÄÖ åäö ß ﬁ Ǆ ½', 'İstanbul ΟΔΟΣ Ωμέγα', '日本語のテキスト、中文。', 'emoji 🙂👍🏽 test 👨‍👩‍👧',
  'a\u00A0b\u2009c\u3000d', '‼️ ®™ €5', '<|endoftext|>Hello<|endoftext|>', '<s>Once upon</s> a time', '[INST] Say hi [/INST]', 'text   <mask> here',
  'word[SEP]  next', 'hello world HELLO hello-world ahello', 'say [WORLD] now [world]', 'x<raw>y <RAW>', '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  '<think>hmm</think>ok', 'already\u2581has\u2581metaspace', '\u2581', '    indented code\n\treturn x;', 'ends with space ', 'multiple   internal    spaces',
  '\u0001control\u007f', 'e\u0301 vs é', 'Straße', 'a<|begin_of_text|>b<|eot_id|>', "don't DON'T I'm", '…—–', 'CC(=O)Oc1ccccc1C(=O)O', 'MKTAYIAKQRQISFVKSHFSRQ',
  '<|sep|>left<|sep|> right', '[CLS] a [SEP] b', '[INST]<gap> x <clash><dup>[/INST] <dup>', 'Ünïcödé ǅ ﬀ ℌ ①②③ ⅷ', 'x'.repeat(300), 'ab '.repeat(100),
];
for (const l of langs) texts.push(...lines(`language/${l}.txt`, 400).filter((_, i) => i % 80 === 7));
texts.push(...csvColumn('smiles/bbbp.csv', 'smiles', 60).filter((_, i) => i % 6 === 0));
texts.push(...csvColumn('protein/deepsol.csv', 'sequence', 200).filter((_, i) => i % 100 === 3).map(s => s.slice(0, 400)));

// ---- run Hugging Face tokenizers ----
const bases = {
  byte_level: { vocab: blVocab, merges: blMerges.map(([a, b]) => a + ' ' + b) },
  metaspace: { vocab: msVocab, merges: msMerges },  // pair form here, string form above
  clip: { vocab: clipVocab, merges: clipMerges },
};
const out = { generator: 'tools/hf-tokenizer-reference/generate.mjs with the tokenizers npm package 0.23.2 (Hugging Face tokenizers, Rust)',
  bases, texts, variants: [] };
for (const v of variants) {
  const json = {
    version: '1.0', truncation: null, padding: null, added_tokens: v.added_tokens, normalizer: v.normalizer, pre_tokenizer: v.pre_tokenizer,
    post_processor: v.post_processor, decoder: v.decoder,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false,
      byte_fallback: false, ignore_merges: false, ...v.model_options, vocab: bases[v.base].vocab, merges: bases[v.base].merges },
  };
  const tok = Tokenizer.fromString(JSON.stringify(json));
  const results = [];
  for (const t of texts) {
    const e = await tok.encode(t, null, { addSpecialTokens: true });
    const ids = e.getIds();
    const plain = (await tok.encode(t, null, { addSpecialTokens: false })).getIds();
    results.push({ ids, plain: plain.length === ids.length && plain.every((x, i) => x === ids[i]) ? null : plain,
      decoded: await tok.decode(ids, false), decoded_skip: await tok.decode(ids, true) });
  }
  out.variants.push({ ...v, results, vocab_size: tok.getVocabSize(true) });
  console.error(v.name, 'done');
}
fs.writeFileSync(outFile, JSON.stringify(out));
console.error('wrote', outFile, fs.statSync(outFile).size, 'bytes');
