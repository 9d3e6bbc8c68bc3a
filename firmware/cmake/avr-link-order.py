#!/usr/bin/env python3
"""Orders the functions of a linked AVR image so that more of its calls and jumps reach their
targets with the 2-byte rcall/rjmp.

  avr-link-order.py --elf first.elf --map first.map --objdump avr-objdump --ld avr-ld
                    --emulation avr5 --out image.ld

The image is linked twice (firmware/cmake/avr-images.cmake). The first link, with a section per
function, gives each function's size and every call site; this script then searches an order in
which as few call sites as possible are farther from their target than the +-4 KiB an rcall or
rjmp reaches (-mrelax turns every call within reach into the short form), and writes the
toolchain's default linker script with that order in front of the usual `*(.text.*)`. The second
link uses it. Functions the order does not name (none, unless the two links differ) keep the
default placement after the ordered ones.

Deterministic: the same first image always gives the same order (a seeded local search).
"""

import argparse
import math
import random
import re
import subprocess
import sys

# rcall/rjmp: a signed 12-bit word offset from the next instruction.
NEAR_MIN = -4096
NEAR_MAX = 4094
CALL_RE = re.compile(
    r'^\s+([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*\t(call|jmp|rcall|rjmp)\t[^;]*;\s*0x([0-9a-f]+)')


def read_sections(map_path):
    """The .text.* input sections of the output .text: [name, address, size, file]."""
    lines = open(map_path, encoding='utf-8', errors='replace').read().split('\n')
    start = next(k for k, line in enumerate(lines) if line.startswith('.text '))
    sections = []
    k = start + 1
    while k < len(lines) and not re.match(r'^\.\w', lines[k]):
        line = lines[k]
        alone = re.match(r'^ (\.text\.\S+)\s*$', line)
        if alone and k + 1 < len(lines):
            fields = lines[k + 1].split()
            if len(fields) >= 2:
                sections.append([alone.group(1), int(fields[0], 16), int(fields[1], 16),
                                 fields[2] if len(fields) > 2 else ''])
            k += 2
            continue
        inline = re.match(r'^ (\.text\.\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s*(\S*)', line)
        if inline:
            sections.append([inline.group(1), int(inline.group(2), 16),
                             int(inline.group(3), 16), inline.group(4)])
        k += 1
    return [s for s in sections if s[2] > 0]


def read_sites(objdump, elf, sections):
    """Calls and jumps between sections: (caller, offset in caller, callee, offset, short)."""
    text = subprocess.run([objdump, '-d', elf], check=True, capture_output=True,
                          text=True).stdout
    starts = sorted((s[1], i) for i, s in enumerate(sections))

    def owner(address):
        lo, hi = 0, len(starts) - 1
        found = None
        while lo <= hi:
            mid = (lo + hi) // 2
            if starts[mid][0] <= address:
                found = starts[mid][1]
                lo = mid + 1
            else:
                hi = mid - 1
        if found is not None and address < sections[found][1] + sections[found][2]:
            return found
        return None

    sites = []
    for line in text.split('\n'):
        m = CALL_RE.match(line)
        if not m:
            continue
        at, target = int(m.group(1), 16), int(m.group(3), 16)
        a, b = owner(at), owner(target)
        if a is None or b is None or a == b:
            continue
        sites.append((a, at - sections[a][1], b, target - sections[b][1],
                      m.group(2) in ('rcall', 'rjmp')))
    return sites


class Layout:
    """Positions of the sections in an order, and the call sites that end up out of reach."""

    def __init__(self, sections, sites, base):
        self.sizes = [s[2] for s in sections]
        self.base = base
        self.count = len(sections)
        # Per site: caller, callee, callee offset - caller offset - 2. The sizes are those of
        # the first link; the 2 bytes a site gains or loses when it changes form are left out
        # (modelling them measured no better than searching longer).
        self.callers = [a for a, _, _, _, _ in sites]
        self.callees = [b for _, _, b, _, _ in sites]
        self.deltas = [tb - oa - 2 for _, oa, _, tb, _ in sites]

    def far_sites(self, order):
        position = [0] * self.count
        p = self.base
        for k in order:
            position[k] = p
            p += self.sizes[k]
        far = 0
        for a, b, delta in zip(self.callers, self.callees, self.deltas):
            d = position[b] - position[a] + delta
            if d < NEAR_MIN or d > NEAR_MAX:
                far += 1
        return far


def search(layout, iterations, seed):
    rng = random.Random(seed)
    order = list(range(layout.count))
    cost = layout.far_sites(order)
    best, best_order = cost, list(order)
    for i in range(iterations):
        candidate = list(order)
        if rng.random() < 0.5:
            x, y = rng.sample(range(layout.count), 2)
            candidate[x], candidate[y] = candidate[y], candidate[x]
        else:
            moved = candidate.pop(rng.randrange(layout.count))
            candidate.insert(rng.randrange(layout.count), moved)
        c = layout.far_sites(candidate)
        temperature = max(0.05, 3.0 * (1.0 - i / iterations))
        if c <= cost or rng.random() < math.exp((cost - c) / temperature):
            order, cost = candidate, c
            if c < best:
                best, best_order = c, list(candidate)
    return best_order, best


def pattern(section):
    """A linker script input pattern that selects exactly this section."""
    name, _, _, origin = section
    member = re.search(r'([^/]+\.a)\(([^)]+)\)$', origin)
    if member:  # library sections share names (.text.libgcc.prologue): select by member
        return '*%s:%s(%s)' % (member.group(1), member.group(2), name)
    return '*(%s)' % name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--elf', required=True)
    parser.add_argument('--map', required=True)
    parser.add_argument('--objdump', required=True)
    parser.add_argument('--ld', required=True)
    parser.add_argument('--emulation', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--iterations', type=int, default=120000)
    args = parser.parse_args()

    default = subprocess.run([args.ld, '--verbose', '-m' + args.emulation], check=True,
                             capture_output=True, text=True).stdout
    script = default.split('=' * 50)
    if len(script) < 3:
        sys.exit('avr-link-order.py: no default linker script from %s' % args.ld)
    script = script[1].strip('=\n') + '\n'
    anchor = re.search(r'\n(\s*)\*\(\.text\.\*\)', script)
    if not anchor:
        sys.exit('avr-link-order.py: the default linker script has no *(.text.*) line')

    sections = read_sections(args.map)
    sites = read_sites(args.objdump, args.elf, sections)
    if not sections:
        sys.exit('avr-link-order.py: no .text.* sections in %s (link with -ffunction-sections)'
                 % args.map)
    layout = Layout(sections, sites, min(s[1] for s in sections))
    before = layout.far_sites(list(range(len(sections))))
    order, after = search(layout, args.iterations, seed=1)

    indent = anchor.group(1)
    listed = ''.join('%s%s\n' % (indent, pattern(sections[k])) for k in order)
    script = (script[:anchor.start()] + '\n' + indent
              + '/* Ordered by avr-link-order.py: %d of %d calls and jumps out of short reach'
              ' (%d in the first link). */\n' % (after, len(sites), before)
              + listed + script[anchor.start() + 1:])
    with open(args.out, 'w', encoding='utf-8') as out:
        out.write(script)
    print('avr-link-order.py: %s: %d of %d call sites beyond rcall reach (first link: %d)'
          % (args.out, after, len(sites), before))


if __name__ == '__main__':
    main()
