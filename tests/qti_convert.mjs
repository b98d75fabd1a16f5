// QTI 2.x items to QTI 3 with @citolab/qti-convert's Node entry point (it carries the QTI 2->3
// stylesheet and runs it with saxon-js). stdin: {"name": "QTI 2 XML", ...}; stdout: the same names, QTI 3.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.env.QTI_MODULES + '/');
globalThis.window = globalThis; // the converter expects a browser-like global
const saxon = await import(pathToFileURL(require.resolve('saxon-js')).href);
globalThis.SaxonJS = saxon.default || saxon;
const { convertQti2toQti3 } = await import(pathToFileURL(require.resolve('@citolab/qti-convert/qti-convert-node')).href);

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const converted = {};
for (const [name, xml] of Object.entries(JSON.parse(input))) converted[name] = await convertQti2toQti3(xml);
process.stdout.write(JSON.stringify(converted));
