#!/usr/bin/env python3
"""Generate Sources/PlaneWave/Pseudopotentials/GTH_POTENTIALS from CP2K's GTH_POTENTIALS file.

Copies every GTH-PBE-q* and GTH-PADE-q* (= GTH-LDA) entry verbatim (trailing blanks removed),
each followed by a '#' separator line, into the data file that SwiftPM compiles into the
engine (`.embedInCode` in Package.swift, read by GTHTables.swift), so the program needs no
files at run time.  Each copied entry is first parsed strictly (exact token counts per line,
upper-triangular h matrices, no trailing lines such as spin-orbit k_ij blocks); an entry
that does not fit the plain GTH format is skipped and reported.

Usage:
    scripts/generate-gth-tables.py [--source /usr/share/cp2k/GTH_POTENTIALS]
                                   [--output Sources/PlaneWave/Pseudopotentials/GTH_POTENTIALS]
Source: Debian package cp2k-data 2023.1 (M. Krack, Theor. Chem. Acc. 114, 145 (2005)).
"""
import argparse
import os
import re
import sys

FAMILIES = ("GTH-PBE", "GTH-PADE")
HEADER_RE = re.compile(r"^[A-Z][a-z]?\s")


def is_header(line):
    return bool(HEADER_RE.match(line))


def tokens(line):
    return line.split("#", 1)[0].split()


def number(tok):
    return float(tok.replace("D", "E").replace("d", "e"))


def split_entries(lines):
    """Yields (element, names, block_lines) for each entry; a block runs from its
    header to the line before the next header or the next comment line."""
    i = 0
    while i < len(lines):
        if is_header(lines[i]):
            start = i
            i += 1
            while i < len(lines) and not is_header(lines[i]) and not lines[i].lstrip().startswith("#"):
                i += 1
            block = lines[start:i]
            while block and not block[-1].strip():
                block.pop()
            head = tokens(block[0])
            yield head[0], head[1:], block
        else:
            i += 1


def strict_parse(block):
    """Parses one entry exactly; returns a dict or raises ValueError describing the problem."""
    rows = [tokens(l) for l in block[1:]]
    rows = [r for r in rows if r]
    k = 0

    def take(what):
        nonlocal k
        if k >= len(rows):
            raise ValueError(f"missing {what}")
        r = rows[k]
        k += 1
        return r

    occ = [int(t) for t in take("electron configuration")]
    loc = take("local part")
    rloc, nexp = number(loc[0]), int(loc[1])
    if len(loc) != 2 + nexp:
        raise ValueError(f"local line has {len(loc) - 2} coefficients, expected {nexp}")
    cs = [number(t) for t in loc[2:]]
    nprj_row = take("projector count")
    if len(nprj_row) != 1:
        raise ValueError("projector-count line has more than one value")
    nprj = int(nprj_row[0])
    channels = []
    for l in range(nprj):
        head = take(f"channel l={l}")
        r, n = number(head[0]), int(head[1])
        if len(head) != 2 + n:
            raise ValueError(f"channel l={l}: first line has {len(head) - 2} h values, expected {n}")
        values = [number(t) for t in head[2:]]
        for row in range(1, n):
            cont = take(f"h row {row + 1} of l={l}")
            if len(cont) != n - row:
                raise ValueError(f"channel l={l}: h row {row + 1} has {len(cont)} values, expected {n - row}")
            values += [number(t) for t in cont]
        channels.append((l, r, n, values))
    if k != len(rows):
        raise ValueError(f"{len(rows) - k} unexpected trailing line(s) (spin-orbit k_ij block?)")
    return dict(zion=sum(occ), rloc=rloc, c=cs, channels=channels)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default="/usr/share/cp2k/GTH_POTENTIALS")
    ap.add_argument("--output", default=os.path.normpath(os.path.join(here, "..", "Sources", "PlaneWave", "Pseudopotentials", "GTH_POTENTIALS")))
    args = ap.parse_args()

    with open(args.source, encoding="utf-8") as f:
        lines = f.read().split("\n")

    kept, skipped = [], []
    for element, names, block in split_entries(lines):
        name = names[0] if names else ""
        if not any(name.startswith(fam + "-q") for fam in FAMILIES):
            continue
        try:
            strict_parse(block)
        except (ValueError, IndexError) as e:
            skipped.append((element, name, str(e)))
            continue
        kept.append((element, name, block))

    counts = {fam: sum(1 for _, n, _ in kept if n.startswith(fam + "-q")) for fam in FAMILIES}
    out = []
    for element, name, block in kept:
        out.extend(l.rstrip() for l in block)
        out.append("#")
    out.append("")
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"wrote {args.output}: {len(kept)} entries {counts}, skipped {len(skipped)}", file=sys.stderr)
    for e, n, why in skipped:
        print(f"  skipped {e} {n}: {why}", file=sys.stderr)


if __name__ == "__main__":
    main()
