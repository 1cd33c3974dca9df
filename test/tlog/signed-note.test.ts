import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import smCrypto from 'sm-crypto';
import { generateSm2KeyPair } from '../../src/crypto/sm2.js';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from '../../src/tlog/checkpoint.js';
import {
  cosignatureSigner,
  cosignatureVerifier,
  cosignatureVerifierFromKey,
  encodeCosignedMessage,
  parseCosignature,
} from '../../src/tlog/cosignature.js';
import { openCheckpoint } from '../../src/tlog/signed-checkpoint.js';
import {
  addSignatures,
  formatNote,
  openNote,
  parseNote,
  signNote,
  type NoteVerifier,
} from '../../src/tlog/signed-note.js';
import {
  COSIG_SIGTYPE,
  formatVerifierKey,
  NOTE_SIGTYPE,
  parseVerifierKey,
  sm2NoteSigner,
  sm2NoteVerifier,
  sm2NoteVerifierFromKey,
} from '../../src/tlog/sm2-note-key.js';
import { TlogError } from '../../src/tlog/tlog-error.js';

const smc = smCrypto.sm2;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const DISTID = '1234567812345678';

function throwsCode(fn: () => unknown, code?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlogError, `expected TlogError, got ${String(e)}`);
    if (code) assert.equal(e.code, code, e.message);
    return true;
  });
}

// §2.4 worked example (throwaway keys; both signatures verified by the spec's author with the OpenSSL CLI).
const LOG_VKEY =
  'zj.sealtrust.example/directory+11c02628+/ydzZWFsdHJ1c3Qub3JnLmNuL3NpZ25lZC1ub3RlL3NtMi1zbTNAdjEERO5aEd87w4fOIB9YN787lYrR99zuBjKoGNfBpdLZ8hsydtppZ2GTLwhn2TTJlYcP/vgSr8V2KB3rXABnjLi56w==';
const WITNESS_VKEY =
  'hub.sealtrust.example/witness+e6e7b06f+/yxzZWFsdHJ1c3Qub3JnLmNuL3Rsb2ctY29zaWduYXR1cmUvc20yLXNtM0B2MQTQkLY9SZqQWjuk39flO1S6SfTxh2chnZjZnMfYOr3Dl2P/uF5u/iKZIPdvGX4ZRlOV4FcPB1fexcQROVvvjxjE';
const EXAMPLE_NOTE =
  'zj.sealtrust.example/directory\n5\nuxDJlq7rvNxpvjcV/IRzRN53RC03pauCE9qfQXhbEDs=\n\n' +
  '\u2014 zj.sealtrust.example/directory EcAmKDBFAiEA9rHVbuSuTqy5qfSRphVcnQm9Q+XppS3ez01B+O7pqJcCIA7olXAUhEj1oZLCAmVFJxo7a8dK3/P8mIA7ZCXRRGLl\n' +
  '\u2014 hub.sealtrust.example/witness 5uewbwAAAABrNuyAMEUCIQCnz2BrnSZZoTQIco0kdMi60NXBlRYXdxqU/W6AoOJZpgIgIhKzM41o+nqBQtIwhoWxfxflaou554GTIQwNGj8cIGM=\n';
const ORIGIN = 'zj.sealtrust.example/directory';

describe('§2.3–§2.5 worked example', () => {
  const logKey = parseVerifierKey(LOG_VKEY);
  const witnessKey = parseVerifierKey(WITNESS_VKEY);

  it('parses both vkeys, recomputes their SM3 key IDs and formats them back byte for byte', () => {
    assert.equal(logKey.keyId, 0x11c02628);
    assert.equal(witnessKey.keyId, 0xe6e7b06f);
    assert.equal(hex(logKey.sigtype), hex(NOTE_SIGTYPE));
    assert.equal(hex(witnessKey.sigtype), hex(COSIG_SIGTYPE));
    assert.equal(NOTE_SIGTYPE.length, 2 + 39);
    assert.equal(COSIG_SIGTYPE.length, 2 + 44);
    assert.equal(formatVerifierKey(logKey.name, logKey.sigtype, logKey.publicKey), LOG_VKEY);
    assert.equal(formatVerifierKey(witnessKey.name, witnessKey.sigtype, witnessKey.publicKey), WITNESS_VKEY);
  });

  it('opens the exact note: log signature and witness cosignature verify, timestamp 2027-01-01', () => {
    const opened = openCheckpoint(
      EXAMPLE_NOTE,
      ORIGIN,
      [sm2NoteVerifierFromKey(LOG_VKEY)],
      [cosignatureVerifierFromKey(WITNESS_VKEY)],
    );
    assert.equal(opened.checkpoint.size, 5);
    assert.equal(
      hex(opened.checkpoint.rootHash),
      'bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b',
    );
    assert.deepEqual(opened.witnessedBy, [
      { name: 'hub.sealtrust.example/witness', keyId: 0xe6e7b06f, timestamp: 1798761600 },
    ]);
    assert.equal(formatCheckpoint(opened.checkpoint), opened.text);
  });

  it('builds the cosigned_message the spec prints', () => {
    const msg = encodeCosignedMessage({
      cosignerName: 'hub.sealtrust.example/witness',
      timestamp: 1798761600,
      origin: ORIGIN,
      start: 0,
      end: 5,
      hash: Buffer.from('bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b', 'hex'),
    });
    const h = hex(msg);
    assert.ok(h.startsWith('737562747265652f76310a00' + '1d' + '6875622e'));
    assert.ok(h.includes('000000006b36ec80' + '1e' + '7a6a'));
    assert.ok(
      h.endsWith(
        '0000000000000000' +
          '0000000000000005' +
          'bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b',
      ),
    );
    assert.equal(msg.length, 12 + 1 + 29 + 8 + 1 + 30 + 8 + 8 + 32);
    // sm-crypto, an independent SM2, verifies the witness signature over exactly these bytes.
    const sig = parseNote(EXAMPLE_NOTE).signatures[1]!.signature;
    const { signature } = parseCosignature(sig);
    assert.equal(
      smc.doVerifySignature(msg, hex(signature), hex(witnessKey.publicKey), {
        hash: true,
        der: true,
        userId: DISTID,
      }),
      true,
    );
  });

  it('sm-crypto verifies the log signature over the exact note text bytes', () => {
    const { text, signatures } = parseNote(EXAMPLE_NOTE);
    const ok = smc.doVerifySignature(
      Buffer.from(text, 'utf8'),
      hex(signatures[0]!.signature),
      hex(logKey.publicKey),
      {
        hash: true,
        der: true,
        userId: DISTID,
      },
    );
    assert.equal(ok, true);
  });

  it('is refused with the wrong origin, without the log key, or by a witness alone', () => {
    const log = sm2NoteVerifierFromKey(LOG_VKEY);
    const witness = cosignatureVerifierFromKey(WITNESS_VKEY);
    throwsCode(() => openCheckpoint(EXAMPLE_NOTE, 'other.example/log', [log]), 'WRONG_ORIGIN');
    throwsCode(() => openCheckpoint(EXAMPLE_NOTE, ORIGIN, []), 'WRONG_ORIGIN');
    const witnessOnly = formatNote(parseNote(EXAMPLE_NOTE).text, [parseNote(EXAMPLE_NOTE).signatures[1]!]);
    throwsCode(() => openCheckpoint(witnessOnly, ORIGIN, [log], [witness]), 'NO_KNOWN_SIGNATURE');
    // The generic rule alone would have accepted it: the witness is a known key that verifies.
    assert.equal(openNote(witnessOnly, [log, witness]).verified.length, 1);
    // The witness key under another cosigner name does not verify (the message commits to the name).
    const replayed = cosignatureVerifier(
      'hub.sealtrust.example/mirror',
      parseVerifierKey(WITNESS_VKEY).publicKey,
    );
    assert.equal(
      replayed.verify(
        Buffer.from(parseNote(EXAMPLE_NOTE).text),
        parseNote(EXAMPLE_NOTE).signatures[1]!.signature,
      ),
      false,
    );
  });
});

describe('verifier keys', () => {
  it('parses a vkey whose base64 contains "+" (split at the first two "+" only)', () => {
    let kp = generateSm2KeyPair();
    let vkey = formatVerifierKey('log.example/33', NOTE_SIGTYPE, kp.publicKey);
    while (!vkey.split('+').slice(2).join('+').includes('+')) {
      kp = generateSm2KeyPair();
      vkey = formatVerifierKey('log.example/33', NOTE_SIGTYPE, kp.publicKey);
    }
    assert.deepEqual(parseVerifierKey(vkey).publicKey, kp.publicKey);
  });
});

describe('SM2 signed notes, signed here', () => {
  const logKp = generateSm2KeyPair();
  const hubKp = generateSm2KeyPair();
  const origin = 'example.sealtrust/33';
  const signer = sm2NoteSigner(origin, logKp.privateKey);
  const verifier = sm2NoteVerifier(origin, logKp.publicKey);
  const witnessName = 'hub.example/witness';
  const cosigner = cosignatureSigner(witnessName, hubKp.privateKey, () => 1_800_000_000);
  const witness = cosignatureVerifier(witnessName, hubKp.publicKey);
  const cp: Checkpoint = { origin, size: 12345, rootHash: Buffer.alloc(32, 7), extensions: [] };

  it('signs a checkpoint that sm-crypto verifies (DER, distid 1234567812345678) and that opens here', () => {
    const text = formatCheckpoint(cp);
    const note = signNote(text, [signer, cosigner]);
    const [logSig, cosig] = parseNote(note).signatures;
    assert.equal(
      smc.doVerifySignature(Buffer.from(text), hex(logSig!.signature), hex(logKp.publicKey), {
        hash: true,
        der: true,
        userId: DISTID,
      }),
      true,
    );
    const { timestamp, signature } = parseCosignature(cosig!.signature);
    assert.equal(timestamp, 1_800_000_000);
    const msg = encodeCosignedMessage({
      cosignerName: witnessName,
      timestamp,
      origin,
      start: 0,
      end: 12345,
      hash: cp.rootHash,
    });
    assert.equal(
      smc.doVerifySignature(msg, hex(signature), hex(hubKp.publicKey), {
        hash: true,
        der: true,
        userId: DISTID,
      }),
      true,
    );
    const opened = openCheckpoint(note, origin, [verifier], [witness]);
    assert.deepEqual(opened.checkpoint.size, 12345);
    assert.equal(opened.witnessedBy[0]?.timestamp, 1_800_000_000);
    // A note signed by the log, then cosigned separately, is the same note.
    const later = addSignatures(signNote(text, [signer]), [parseNote(note).signatures[1]!]);
    assert.equal(openCheckpoint(later, origin, [verifier], [witness]).witnessedBy.length, 1);
  });

  it('verifies a signature made by sm-crypto over the note text', () => {
    const text = formatCheckpoint(cp);
    const sig = Buffer.from(
      smc.doSignature(Buffer.from(text), hex(logKp.privateKey), { hash: true, der: true, userId: DISTID }),
      'hex',
    );
    const note = formatNote(text, [{ name: origin, keyId: verifier.keyId, signature: sig }]);
    assert.equal(openNote(note, [verifier]).verified.length, 1);
  });

  it('follows the signed-note rules: unknown ignored, a bad known signature rejects, none known fails', () => {
    const text = formatCheckpoint(cp);
    const other = sm2NoteSigner('someone.else', generateSm2KeyPair().privateKey);
    const note = signNote(text, [other, signer]);
    const opened = openNote(note, [verifier]);
    assert.equal(opened.verified.length, 1);
    assert.equal(opened.unknown.length, 1);
    throwsCode(() => openNote(signNote(text, [other]), [verifier]), 'NO_KNOWN_SIGNATURE');
    const forged = formatNote(text, [
      {
        name: origin,
        keyId: verifier.keyId,
        signature: parseNote(signNote('x\n', [signer])).signatures[0]!.signature,
      },
    ]);
    throwsCode(() => openNote(forged, [verifier]), 'INVALID_SIGNATURE');
    // The same signature as raw r‖s is a second spelling and is refused.
    const der = parseNote(signNote(text, [signer])).signatures[0]!.signature;
    const raw = Buffer.from(
      smc.doSignature(Buffer.from(text), hex(logKp.privateKey), { hash: true, userId: DISTID }),
      'hex',
    );
    assert.equal(raw.length, 64);
    throwsCode(
      () => openNote(formatNote(text, [{ name: origin, keyId: verifier.keyId, signature: raw }]), [verifier]),
      'INVALID_SIGNATURE',
    );
    assert.ok(der.length > 64);
    // A cosignature with timestamp 0 is refused.
    const zero = cosignatureSigner(witnessName, hubKp.privateKey, () => 0);
    throwsCode(() => signNote(text, [signer, zero]), 'MALFORMED_COSIGNATURE');
  });

  it('round-trips every vkey, including those whose base64 holds "+" (cut at the first two "+" only)', () => {
    let withPlus = 0;
    for (let i = 0; i < 40; i++) {
      const kp = generateSm2KeyPair();
      for (const [name, type] of [
        [origin, NOTE_SIGTYPE],
        [witnessName, COSIG_SIGTYPE],
      ] as const) {
        const vkey = formatVerifierKey(name, type, kp.publicKey);
        if (vkey.split('+').length > 3) withPlus++;
        const k = parseVerifierKey(vkey);
        assert.equal(k.name, name);
        assert.equal(hex(k.publicKey), hex(kp.publicKey));
      }
    }
    // (63/64)^88 ≈ 25% of keys have no "+" in their base64: 80 keys without one would be a broken generator.
    assert.ok(withPlus > 0);
  });

  it('accepts 32 signature lines and refuses 33', () => {
    const text = formatCheckpoint(cp);
    const sig = parseNote(signNote(text, [signer])).signatures[0]!;
    const filler = { name: 'unknown.example', keyId: 1, signature: Buffer.alloc(8, 1) };
    const ok =
      text + '\n' + [sig, ...Array(31).fill(filler)].map((s) => formatNote('x\n', [s]).slice(3)).join('');
    assert.equal(openNote(ok, [verifier]).unknown.length, 31);
    const tooMany = ok + formatNote('x\n', [filler]).slice(3);
    throwsCode(() => openNote(tooMany, [verifier]), 'TOO_MANY_SIGNATURES');
  });

  it('refuses malformed notes with MALFORMED_NOTE', () => {
    const text = formatCheckpoint(cp);
    const note = signNote(text, [signer]);
    const cases = [
      '',
      text,
      note.slice(0, -1),
      note.replace('\u2014 ', '- '),
      note.replace('\n\n', '\n'),
      note.replace(/.\n$/, '\n'),
      note.replace(/ ([^ ]+)\n$/, ' $1 \n'),
      note.replace(origin + ' ', origin + '  '),
      note + 'trailing\n',
      note.replace(/\n$/, '\r\n'),
      '\u2014 a AAAAAAA=\n',
      `${text}\n\u2014 name\n`,
      `${text}\n\u2014 na+me AAAAAAAA\n`,
      `${text}\n\u2014 name AAAA\n`,
      `a\tb\n\n\u2014 name AAAAAAAA\n`,
    ];
    for (const c of cases) throwsCode(() => openNote(c, [verifier]), undefined);
    for (const c of cases.slice(0, 6)) throwsCode(() => parseNote(c), 'MALFORMED_NOTE');
    throwsCode(() => parseNote(Uint8Array.of(0x61, 0x0a, 0x0a, 0xff, 0x0a)), 'MALFORMED_NOTE');
    throwsCode(() => parseNote(42 as unknown as string), 'MALFORMED_NOTE');
  });

  it('fast-check: any single-byte mutation fails parsing or verification, or drops a verified signature', () => {
    const lineArb = fc.stringMatching(/^[ -~\u00a0-\u4e00]{1,20}$/);
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (lines, cosign, pos, delta) => {
          const text = lines.join('\n') + '\n';
          const signers = [sm2NoteSigner(origin, logKp.privateKey)];
          const verifiers: NoteVerifier[] = [verifier];
          if (cosign) {
            const extra = sm2NoteSigner(witnessName, hubKp.privateKey);
            signers.push(extra);
            verifiers.push(sm2NoteVerifier(witnessName, hubKp.publicKey));
          }
          const bytes = Buffer.from(signNote(text, signers));
          assert.equal(openNote(bytes, verifiers).verified.length, signers.length);
          const i = pos % bytes.length;
          const mutated = Buffer.from(bytes);
          mutated[i] = (mutated[i]! + delta) & 0xff;
          try {
            const opened = openNote(mutated, verifiers);
            assert.ok(opened.verified.length < signers.length, `mutation at ${i} kept every signature valid`);
          } catch (e) {
            assert.ok(e instanceof TlogError, String(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('signed and cosigned checkpoints under mutation', () => {
  it('fast-check: one changed byte is refused, or costs the witness its cosignature', () => {
    const origin = 'sealtrust.org.cn/33';
    const logKp = generateSm2KeyPair();
    const hubKp = generateSm2KeyPair();
    const log = sm2NoteVerifier(origin, logKp.publicKey);
    const witness = cosignatureVerifier('sealtrust.org.cn/hub', hubKp.publicKey);
    const signers = [
      sm2NoteSigner(origin, logKp.privateKey),
      cosignatureSigner('sealtrust.org.cn/hub', hubKp.privateKey, () => 1_800_000_000),
    ];
    fc.assert(
      fc.property(
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (size, root, pos, delta) => {
          const bytes = Buffer.from(
            signNote(formatCheckpoint({ origin, size, rootHash: root, extensions: [] }), signers),
          );
          assert.equal(openCheckpoint(bytes, origin, [log], [witness]).witnessedBy.length, 1);
          const i = pos % bytes.length;
          bytes[i] = (bytes[i]! + delta) & 0xff;
          try {
            const opened = openCheckpoint(bytes, origin, [log], [witness]);
            assert.equal(opened.witnessedBy.length, 0, `mutation at ${i} kept the cosignature`);
            assert.equal(opened.checkpoint.size, size);
          } catch (e) {
            assert.ok(e instanceof TlogError, String(e));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkpoint codec', () => {
  const originArb = fc.stringMatching(/^[a-z0-9.\-/_:]{1,40}$/);
  const cpArb = fc.record({
    origin: originArb,
    size: fc.oneof(fc.nat(), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER)),
    rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    extensions: fc.constant([] as string[]),
  });

  it('fast-check: parse(format(cp)) = cp, and format(parse(text)) = text', () => {
    fc.assert(
      fc.property(cpArb, (cp) => {
        const text = formatCheckpoint(cp);
        const back = parseCheckpoint(text);
        assert.equal(back.origin, cp.origin);
        assert.equal(back.size, cp.size);
        assert.equal(hex(back.rootHash), hex(cp.rootHash));
        assert.equal(formatCheckpoint(back), text);
      }),
    );
  });

  it('fast-check: any single-byte mutation of a checkpoint text is refused or reads differently', () => {
    fc.assert(
      fc.property(cpArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (cp, pos, delta) => {
        const bytes = Buffer.from(formatCheckpoint(cp));
        const i = pos % bytes.length;
        bytes[i] = (bytes[i]! + delta) & 0xff;
        let back: Checkpoint;
        try {
          back = parseCheckpoint(bytes.toString('utf8'));
        } catch (e) {
          assert.ok(e instanceof TlogError);
          return;
        }
        assert.ok(
          back.origin !== cp.origin || back.size !== cp.size || hex(back.rootHash) !== hex(cp.rootHash),
        );
      }),
    );
  });

  it('refuses malformed checkpoints with stable codes', () => {
    const root = Buffer.alloc(32, 1).toString('base64');
    const bad = [
      `o\n5\n${root}`,
      `o\n05\n${root}\n`,
      `o\n-5\n${root}\n`,
      `o\n5 \n${root}\n`,
      `o\n9007199254740992\n${root}\n`,
      `\n5\n${root}\n`,
      `o o\n5\n${root}\n`,
      `o+x\n5\n${root}\n`,
      `o\n5\n${Buffer.alloc(31).toString('base64')}\n`,
      `o\n5\n${root.replace('=', '')}\n`,
      `o\n5\n`,
      `o\n5\n${root}\n\n`,
    ];
    for (const t of bad) throwsCode(() => parseCheckpoint(t), 'MALFORMED_CHECKPOINT');
    throwsCode(() => parseCheckpoint(`o\n5\n${root}\next\n`), 'CHECKPOINT_EXTENSION_LINES');
    assert.deepEqual(parseCheckpoint(`o\n5\n${root}\next\n`, { allowExtensions: true }).extensions, ['ext']);
  });
});

describe('C2SP signed-note text rules', () => {
  it('accepts empty lines inside the text (split at the last blank line) and refuses control characters', () => {
    const kp = generateSm2KeyPair();
    const signer = sm2NoteSigner('poem.example/key', kp.privateKey);
    const verifier = sm2NoteVerifier('poem.example/key', kp.publicKey);
    const text =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const opened = openNote(signNote(text, [signer]), [verifier]);
    assert.equal(opened.text, text);
    throwsCode(() => signNote('bell\u0007\n', [signer]), 'MALFORMED_NOTE');
    throwsCode(() => signNote('cr\r\n', [signer]), 'MALFORMED_NOTE');
    throwsCode(() => signNote('no final newline', [signer]), 'MALFORMED_NOTE');
  });
});
