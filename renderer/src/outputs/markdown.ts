// Markdown for cells and outputs, with math as Jupyter writes it ($…$, $$…$$, \(…\), \[…\]).
// Math is cut out before marked sees it (so `_` and `*` inside formulas stay math), the rest is
// sanitized, and KaTeX's own output is put back afterwards.
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import katex from 'katex';
import 'katex/dist/katex.min.css';

const MATH = /(\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|\\\([\s\S]+?\\\)|(?<![\\$\w])\$(?!\s)[^$\n]+?(?<!\s)\$(?!\w))/g;
const CODE = /(```[\s\S]*?```|`[^`\n]*`)/g;

function renderMath(tex: string): string {
  const display = tex.startsWith('$$') || tex.startsWith('\\[');
  const body = display ? tex.slice(2, -2) : tex.startsWith('\\(') ? tex.slice(2, -2) : tex.slice(1, -1);
  return katex.renderToString(body, { displayMode: display, throwOnError: false, output: 'html' });
}

export function renderMarkdown(md: string): string {
  const math: string[] = [];
  // Code spans and fences keep their dollars.
  const parts = md.split(CODE);
  const text = parts
    .map((part, i) => (i % 2 === 1 ? part : part.replace(MATH, (m) => `@@MATH${math.push(renderMath(m)) - 1}@@`)))
    .join('');
  const html = DOMPurify.sanitize(marked.parse(text, { async: false }) as string);
  return html.replace(/@@MATH(\d+)@@/g, (_m, i: string) => math[Number(i)]);
}
