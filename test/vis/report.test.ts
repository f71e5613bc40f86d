import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grayToPng } from '../../src/vis/to_png';
import { plotlyLibrarySource } from '../../src/vis/plotly_html';
import { formatCell, htmlReport } from '../../src/vis/report';

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

test('htmlReport escapes every text: title, paragraphs, lists, code, tables, captions, alt text', async () => {
  const evil = '<script>alert("x")</script> & \'q\'';
  const html = htmlReport(evil, [
    { kind: 'heading', text: evil },
    { kind: 'paragraph', text: evil },
    { kind: 'list', items: [evil] },
    { kind: 'code', text: evil },
    { kind: 'table', header: [evil], rows: [[evil]], caption: evil },
    { kind: 'png', png: await grayToPng([0, 1], 1, 2), alt: evil, caption: evil },
  ], { subtitle: evil });
  assert.not.match(html, '<script>alert');
  assert.is(count(html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;'), 12); // <title>, <h1>, subtitle, 9 blocks' texts
  assert.not.match(html, '<script>'); // no plotly figure, so no library either
});

test('htmlReport inlines plotly.js once for any number of figures, before the first figure', () => {
  const fig = { data: [{ y: [1, 2] }] };
  const html = htmlReport('r', [{ kind: 'plotly', figure: fig }, { kind: 'paragraph', text: 'between' }, { kind: 'plotly', figure: fig, caption: 'second' }]);
  const signature = plotlyLibrarySource().slice(0, 200);
  assert.is(count(html, signature), 1);
  assert.is(count(html, 'Plotly.newPlot('), 2 + count(signature, 'Plotly.newPlot('));
  assert.ok(html.indexOf(signature) < html.indexOf('id="report-figure-0"'));
  assert.match(html, '<figcaption>second</figcaption>');
});

test('htmlReport embeds PNGs as data URIs that decode to the same bytes', async () => {
  const png = await grayToPng([0, 0.5, 1, 0.25], 2, 2);
  const html = htmlReport('r', [{ kind: 'png', png, alt: 'map', width: 300 }]);
  const m = /<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="map" width="300">/.exec(html);
  assert.ok(m, 'img tag present');
  assert.ok(Buffer.from(m[1], 'base64').equals(png));
});

test('tables: numbers right-aligned with fixed decimals; rows must match the header', () => {
  const html = htmlReport('r', [{ kind: 'table', header: ['steps', 'IoU'], rows: [['1', 0.81234], [6, NaN]], digits: 2 }]);
  assert.match(html, '<tr><td>1</td><td class="num">0.81</td></tr><tr><td class="num">6</td><td class="num">–</td></tr>');
  assert.throws(() => htmlReport('r', [{ kind: 'table', header: ['a', 'b'], rows: [[1]] }]), /htmlReport: row 0 of table block 0 must have 2 cells \(one per header\), but got 1/);
  assert.equal([formatCell(3), formatCell(0.5), formatCell(1 / 3, 4), formatCell('x')], ['3', '0.500', '0.3333', 'x']);
});

test.run();
