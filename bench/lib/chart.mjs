// A small dependency-free SVG chart: accepted and visible messages per second (left axis) and
// median end-to-end latency (right axis) over the run, so a reader sees where it saturates.
export function throughputChartSvg(series, title) {
  const W = 900, H = 360, L = 60, R = 60, T = 40, B = 40;
  const maxRate = Math.max(1, ...series.map((s) => Math.max(s.accepted, s.visible)));
  const maxLat = Math.max(1, ...series.map((s) => s.p50Ms ?? 0));
  const x = (i) => L + (i / Math.max(1, series.length - 1)) * (W - L - R);
  const yRate = (v) => H - B - (v / maxRate) * (H - T - B);
  const yLat = (v) => H - B - (v / maxLat) * (H - T - B);
  const line = (points, color) => `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>
${ticks.map((t) => `<line x1="${L}" x2="${W - R}" y1="${yRate(t * maxRate)}" y2="${yRate(t * maxRate)}" stroke="#eee"/><text x="${L - 6}" y="${yRate(t * maxRate) + 4}" text-anchor="end">${Math.round(t * maxRate)}</text><text x="${W - R + 6}" y="${yLat(t * maxLat) + 4}">${Math.round(t * maxLat)} ms</text>`).join('\n')}
${line(series.map((s, i) => [x(i), yRate(s.accepted)]), '#1f77b4')}
${line(series.map((s, i) => [x(i), yRate(s.visible)]), '#2ca02c')}
${line(series.filter((s) => s.p50Ms !== null).map((s) => [x(s.second), yLat(s.p50Ms)]), '#d62728')}
<text x="${L}" y="${H - 10}">seconds →</text>
<text x="${L + 120}" y="${H - 10}" fill="#1f77b4">accepted/s</text>
<text x="${L + 220}" y="${H - 10}" fill="#2ca02c">visible in read model/s</text>
<text x="${L + 400}" y="${H - 10}" fill="#d62728">p50 AppRec→visible latency (right axis)</text>
</svg>`;
}
