/**
 * Glyph outlines of a TrueType font (cmap format 4, hmtx, loca/glyf with composite glyphs), as SVG
 * path data in font units with y up. `png.ts` draws the charts' text with them: resvg lays out
 * `<text>` at ~50 µs a glyph, while one path of outlines per text (each glyph's contours parsed
 * once, then placed by a string join) costs next to nothing, so a chart of 1,000 events renders
 * within its budget. No shaping and no kerning: each
 * character advances by its `hmtx` width, exactly what `text-metrics.ts` estimates.
 */

interface Point {
  x: number;
  y: number;
  on: boolean;
}
type Contour = Point[];

export class GlyphFont {
  readonly unitsPerEm: number;
  private readonly tables = new Map<string, number>();
  private readonly longLoca: boolean;
  private readonly hMetrics: number;
  private readonly cmap4: number;
  private readonly outlines = new Map<number, Contour[]>();
  private readonly paths = new Map<number, ContourPath[]>();

  constructor(private readonly data: Buffer) {
    const count = data.readUInt16BE(4);
    for (let i = 0; i < count; i++) {
      const at = 12 + 16 * i;
      this.tables.set(data.toString('latin1', at, at + 4), data.readUInt32BE(at + 8));
    }
    const head = this.table('head');
    this.unitsPerEm = data.readUInt16BE(head + 18);
    this.longLoca = data.readInt16BE(head + 50) === 1;
    this.hMetrics = data.readUInt16BE(this.table('hhea') + 34);
    const cmap = this.table('cmap');
    let sub = -1;
    for (let i = 0; i < data.readUInt16BE(cmap + 2); i++) {
      const platform = data.readUInt16BE(cmap + 4 + 8 * i);
      const encoding = data.readUInt16BE(cmap + 6 + 8 * i);
      const offset = cmap + data.readUInt32BE(cmap + 8 + 8 * i);
      if (platform === 3 && encoding === 1 && data.readUInt16BE(offset) === 4) sub = offset;
    }
    if (sub < 0) throw new Error('font has no Unicode BMP cmap (format 4)');
    this.cmap4 = sub;
  }

  private table(tag: string): number {
    const at = this.tables.get(tag);
    if (at === undefined) throw new Error(`font has no ${tag} table`);
    return at;
  }

  /** The glyph of a code point; 0 (.notdef) when the font has none. */
  glyphIndex(codePoint: number): number {
    if (codePoint > 0xffff) return 0;
    const d = this.data;
    const segments = d.readUInt16BE(this.cmap4 + 6) / 2;
    const ends = this.cmap4 + 14;
    const starts = ends + segments * 2 + 2;
    const deltas = starts + segments * 2;
    const ranges = deltas + segments * 2;
    let lo = 0;
    let hi = segments - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d.readUInt16BE(ends + 2 * mid) < codePoint) lo = mid + 1;
      else hi = mid;
    }
    const start = d.readUInt16BE(starts + 2 * lo);
    if (codePoint < start || codePoint > d.readUInt16BE(ends + 2 * lo)) return 0;
    const delta = d.readUInt16BE(deltas + 2 * lo);
    const rangeOffset = d.readUInt16BE(ranges + 2 * lo);
    if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
    const glyph = d.readUInt16BE(ranges + 2 * lo + rangeOffset + 2 * (codePoint - start));
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  }

  advance(glyph: number): number {
    return this.data.readUInt16BE(this.table('hmtx') + 4 * Math.min(glyph, this.hMetrics - 1));
  }

  /**
   * SVG path data of a glyph in font units, y up, moved right by `penX`; `''` for a blank glyph.
   * Each contour is one absolute move and relative segments, so placing a glyph costs a string join.
   */
  pathAt(glyph: number, penX: number): string {
    let contours = this.paths.get(glyph);
    if (contours === undefined) {
      contours = this.contours(glyph, 0).map(contourPath);
      this.paths.set(glyph, contours);
    }
    let d = '';
    for (const c of contours) d += `M${n(penX + c.x)} ${n(c.y)}${c.rest}`;
    return d;
  }

  private glyphRange(glyph: number): [number, number] {
    const d = this.data;
    const loca = this.table('loca');
    const glyf = this.table('glyf');
    const from = this.longLoca ? d.readUInt32BE(loca + 4 * glyph) : d.readUInt16BE(loca + 2 * glyph) * 2;
    const to = this.longLoca
      ? d.readUInt32BE(loca + 4 * glyph + 4)
      : d.readUInt16BE(loca + 2 * glyph + 2) * 2;
    return [glyf + from, glyf + to];
  }

  private contours(glyph: number, depth: number): Contour[] {
    const cached = this.outlines.get(glyph);
    if (cached) return cached;
    const [from, to] = this.glyphRange(glyph);
    const result = to <= from || depth > 8 ? [] : this.readGlyph(from, depth);
    this.outlines.set(glyph, result);
    return result;
  }

  private readGlyph(at: number, depth: number): Contour[] {
    const d = this.data;
    const contourCount = d.readInt16BE(at);
    if (contourCount < 0) return this.readComposite(at + 10, depth);
    const endPoints: number[] = [];
    for (let i = 0; i < contourCount; i++) endPoints.push(d.readUInt16BE(at + 10 + 2 * i));
    const points = contourCount === 0 ? 0 : (endPoints[contourCount - 1] as number) + 1;
    let p = at + 10 + 2 * contourCount;
    p += 2 + d.readUInt16BE(p);
    const flags: number[] = [];
    while (flags.length < points) {
      const flag = d.readUInt8(p++);
      flags.push(flag);
      if (flag & 8) {
        const repeat = d.readUInt8(p++);
        for (let r = 0; r < repeat; r++) flags.push(flag);
      }
    }
    const xs: number[] = [];
    let x = 0;
    for (const flag of flags) {
      if (flag & 2) {
        const dx = d.readUInt8(p++);
        x += flag & 16 ? dx : -dx;
      } else if (!(flag & 16)) {
        x += d.readInt16BE(p);
        p += 2;
      }
      xs.push(x);
    }
    const ys: number[] = [];
    let y = 0;
    for (const flag of flags) {
      if (flag & 4) {
        const dy = d.readUInt8(p++);
        y += flag & 32 ? dy : -dy;
      } else if (!(flag & 32)) {
        y += d.readInt16BE(p);
        p += 2;
      }
      ys.push(y);
    }
    const contours: Contour[] = [];
    let first = 0;
    for (const end of endPoints) {
      const contour: Contour = [];
      for (let i = first; i <= end; i++)
        contour.push({ x: xs[i] as number, y: ys[i] as number, on: ((flags[i] as number) & 1) === 1 });
      contours.push(contour);
      first = end + 1;
    }
    return contours;
  }

  private readComposite(at: number, depth: number): Contour[] {
    const d = this.data;
    const contours: Contour[] = [];
    let p = at;
    for (;;) {
      const flags = d.readUInt16BE(p);
      const glyph = d.readUInt16BE(p + 2);
      p += 4;
      let dx = 0;
      let dy = 0;
      if (flags & 1) {
        dx = d.readInt16BE(p);
        dy = d.readInt16BE(p + 2);
        p += 4;
      } else {
        dx = d.readInt8(p);
        dy = d.readInt8(p + 1);
        p += 2;
      }
      let [a, b, c, e] = [1, 0, 0, 1];
      const f2 = (o: number) => d.readInt16BE(o) / 16384;
      if (flags & 8) {
        a = e = f2(p);
        p += 2;
      } else if (flags & 0x40) {
        a = f2(p);
        e = f2(p + 2);
        p += 4;
      } else if (flags & 0x80) {
        [a, b, c, e] = [f2(p), f2(p + 2), f2(p + 4), f2(p + 6)];
        p += 8;
      }
      // Point-matching components (ARGS_ARE_XY_VALUES unset) are not used by DejaVu; placed at 0,0.
      if (!(flags & 2)) dx = dy = 0;
      for (const contour of this.contours(glyph, depth + 1))
        contours.push(
          contour.map((pt) => ({ x: a * pt.x + c * pt.y + dx, y: b * pt.x + e * pt.y + dy, on: pt.on })),
        );
      if (!(flags & 0x20)) break;
    }
    return contours;
  }
}

const n = (v: number) => String(Math.round(v * 10) / 10);

interface ContourPath {
  /** Where the contour starts (font units, rounded to a tenth). */
  x: number;
  y: number;
  /** The rest of the contour as relative segments, closed. */
  rest: string;
}

/** A quadratic TrueType contour as path data: two off-curve points in a row imply the on-curve one between. */
function contourPath(contour: Contour): ContourPath {
  const round = (v: number) => Math.round(v * 10) / 10;
  const count = contour.length;
  const firstOn = contour.findIndex((pt) => pt.on);
  const at = (i: number) => contour[(i + count) % count] as Point;
  const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, on: true });
  const start = firstOn >= 0 ? at(firstOn) : mid(at(count - 1), at(0));
  const from = firstOn >= 0 ? firstOn + 1 : 0;
  // Relative to the rounded current point, so the rounding never drifts along the contour.
  let cx = round(start.x);
  let cy = round(start.y);
  let rest = '';
  const line = (p: Point) => {
    const [x, y] = [round(p.x), round(p.y)];
    rest += `l${n(x - cx)} ${n(y - cy)}`;
    [cx, cy] = [x, y];
  };
  const quad = (c: Point, p: Point) => {
    const [qx, qy, x, y] = [round(c.x), round(c.y), round(p.x), round(p.y)];
    rest += `q${n(qx - cx)} ${n(qy - cy)} ${n(x - cx)} ${n(y - cy)}`;
    [cx, cy] = [x, y];
  };
  let control: Point | undefined;
  for (let k = 0; k < count; k++) {
    const pt = at(from + k);
    if (pt.on) {
      if (control) quad(control, pt);
      else line(pt);
      control = undefined;
    } else if (control) {
      quad(control, mid(control, pt));
      control = pt;
    } else control = pt;
  }
  if (control) quad(control, start);
  return { x: round(start.x), y: round(start.y), rest: `${rest}z` };
}
