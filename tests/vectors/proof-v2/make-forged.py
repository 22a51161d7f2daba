#!/usr/bin/env python3
"""Regenerate the forged proofs of this directory (inclusion proof 2, canonical record 2) from
valid.proof and ROOT.

Run once by hand after valid.proof changes (tests never run it). It first re-verifies
valid.proof with Python's own hashlib (a third implementation of docs/canonical-trace.md), then
writes each forged variant. EXPECTED lists what tpp-verify-proof must answer for each file.
"""
import hashlib, os, sys

here = os.path.dirname(os.path.abspath(__file__))
valid = open(os.path.join(here, "valid.proof"), "rb").read()
root = open(os.path.join(here, "ROOT")).read().strip()


def fields(text):
    return [l.split(b" ", 1) for l in text.split(b"\n") if b" " in l and not l.startswith(b"note ")]


def check(text):
    kv = fields(text)
    d = {k: v for k, v in kv if k != b"path"}
    path = [bytes.fromhex(v.decode()) for k, v in kv if k == b"path"]
    rec = bytes.fromhex(d[b"record"].decode())
    for key in (b"nip", b"period"):
        if b"\n" + key + b" %d:" % len(d[key]) + d[key] + b"\n" not in rec:
            return False
    r = hashlib.sha256(b"\0" + rec).digest()
    fn, sn = int(d[b"leaf-index"]), int(d[b"tree-size"]) - 1
    for p in path:
        assert sn != 0
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\1" + p + r).digest()
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = hashlib.sha256(b"\1" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r.hex() == d[b"root"].decode() == root


assert check(valid), "valid.proof does not verify"


def replace_line(text, key, new):
    out = []
    for l in text.split(b"\n"):
        out.append(key + b" " + new if l.startswith(key + b" ") else l)
    return b"\n".join(out)


lines = valid.split(b"\n")
rec_hex = [l for l in lines if l.startswith(b"record ")][0][7:]
rec = bytes.fromhex(rec_hex.decode())
paths = [l for l in lines if l.startswith(b"path ")]

forged = {}
# The record says net 4074515; an employee or clerk changes it to 9074515 (same length).
forged["record-tampered"] = valid.replace(rec_hex, rec.replace(b"net 7:4074515", b"net 7:9074515").hex().encode())
p2 = paths[2]
flipped = p2[:10] + (b"0" if p2[10:11] != b"0" else b"1") + p2[11:]
forged["path-flipped"] = valid.replace(p2, flipped)
forged["path-truncated"] = valid.replace(paths[-1] + b"\n", b"")
forged["path-extended"] = valid.replace(paths[-1] + b"\n", paths[-1] + b"\n" + paths[0] + b"\n")
forged["path-reordered"] = valid.replace(paths[0] + b"\n" + paths[1], paths[1] + b"\n" + paths[0])
forged["index-changed"] = replace_line(valid, b"leaf-index", b"3")
forged["index-out-of-range"] = replace_line(valid, b"leaf-index", b"20")
forged["index-leading-zero"] = replace_line(valid, b"leaf-index", b"02")
forged["size-changed"] = replace_line(valid, b"tree-size", b"21")
forged["nip-swapped"] = replace_line(valid, b"nip", b"198001012005011001")
forged["root-swapped"] = replace_line(valid, b"root", b"00" * 32)
forged["truncated-file"] = valid[:3000]
forged["no-end"] = valid.replace(b"end\n", b"")
forged["trailing-data"] = valid + b"path " + b"ab" * 32 + b"\n"
forged["uppercase-hex"] = valid.replace(paths[0], paths[0].upper().replace(b"PATH", b"path"))
forged["crlf"] = valid.replace(b"\n", b"\r\n")
forged["empty"] = b""
# A second-preimage attempt: offer an inner node's children as the "record".
forged["record-is-node"] = valid.replace(rec_hex, (b"\1" + bytes.fromhex(paths[0][5:].decode()) * 2).hex().encode())
# The notes (the trace as text) are not covered by the root: an edited note still verifies, and
# the verifier says the notes are informative only.
notes = [l for l in lines if l.startswith(b"note day.2025-01-07")]
forged["note-edited"] = valid.replace(notes[0], notes[0].replace(b"cut=2.5%", b"cut=0%"))
# A note before the path, or a version 1 record under a version 2 header, is a format error.
forged["note-before-path"] = valid.replace(paths[0] + b"\n", notes[0] + b"\n" + paths[0] + b"\n", 1)
forged["record-v1-header"] = valid.replace(rec_hex, rec.replace(b"tpp-canonical-record 2", b"tpp-canonical-record 1").hex().encode())
# A record of another period under this proof's header.
forged["record-other-period"] = valid.replace(rec_hex, rec.replace(b"period 7:2025-01", b"period 7:2025-02").hex().encode())

def rejected(text):
    try:
        return not check(text)
    except Exception:
        return True


# The forgeries that must fail on the hashes alone; the rest are format violations that only a
# strict parser (tpp-verify-proof, not this script) rejects.
cryptographic = ["record-tampered", "path-flipped", "path-truncated", "path-extended",
                 "path-reordered", "index-changed", "nip-swapped", "root-swapped",
                 "record-is-node", "record-other-period", "record-v1-header"]
assert check(forged["note-edited"]), "the notes are not hashed"
for name, text in forged.items():
    if name in cryptographic:
        assert rejected(text), name
    open(os.path.join(here, name + ".proof"), "wb").write(text)
print("wrote", len(forged), "forged proofs")
