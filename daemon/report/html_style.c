/* html_style.c - the report's style sheet (screen, phone, print) and its CSP hash. The page has
 * no style attributes, so one hash allows all of its styling and nothing else. */
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "html_internal.h"

/* Pieces of one style sheet, written out in order (C limits the length of one literal). */
static const char *const css[] = {
    ":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;",
    "--trad:#b42318;--trad-bg:#fde7e4;--init:#9a6700;--init-bg:#fff4cc;",
    "--adv:#1a7f37;--adv-bg:#dcf5e3;--opt:#0b4fa8;--opt-bg:#dbe9ff;--unk:#6e7781;--unk-bg:#eef0f2}",
    "*{box-sizing:border-box}",
    "body{margin:0;padding:1rem 1.5rem 3rem;font:15px/1.45 system-ui,-apple-system,'Segoe UI',",
    "Roboto,sans-serif;color:var(--fg);background:var(--bg);max-width:80rem}",
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:2rem 0 .6rem;",
    "border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1rem;margin:1.2rem 0 "
    ".4rem}",
    "code,pre{font:13px/1.4 ui-monospace,'DejaVu Sans Mono',monospace;overflow-wrap:anywhere}",
    "pre{white-space:pre-wrap;background:var(--panel);padding:.4rem;margin:.2rem 0}",
    ".meta{color:var(--muted);margin:.2rem 0}nav a{margin-right:1rem}",
    ".st-traditional{--c:var(--trad);--cb:var(--trad-bg)}.st-initial{--c:var(--init);--cb:var(--"
    "init-bg)}",
    ".st-advanced{--c:var(--adv);--cb:var(--adv-bg)}.st-optimal{--c:var(--opt);--cb:var(--opt-bg)}",
    ".st-unknown{--c:var(--unk);--cb:var(--unk-bg)}",
    ".summary{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}",
    ".card{border:1px solid var(--line);border-left:.45rem solid var(--c);background:var(--cb);",
    "padding:.5rem .7rem;min-width:11rem;flex:1 1 11rem}",
    ".card .stage{display:block;font-size:1.25rem;font-weight:700}.card.overall{flex:2 1 18rem}",
    ".card .stage{color:var(--c)}.card small{display:block;color:var(--muted)}",
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;",
    "padding:.3rem .4rem;border-bottom:1px solid var(--line)}",
    ".heat td.bin-unknown{background:repeating-linear-gradient(45deg,#fff,#fff 6px,#f3f4f6 6px,",
    "#f3f4f6 12px)}",
    ".cell{border:1px solid var(--c);border-left:.35rem solid var(--c);background:var(--cb);",
    "margin:0 0 .3rem;padding:.25rem .4rem;font-size:.85rem;line-height:1.3}",
    ".cell.bound-at_least{border-right-style:dashed}",
    ".cell b{display:block;font-weight:600}.cell span+span::before{content:\" \\00b7  \"}",
    ".heat{table-layout:fixed}.heat thead "
    "th:first-child{width:10rem}.cell{overflow-wrap:break-word}",
    /* Tablets and printed pages: narrower pillar names and cells, so no function name is cut. */
    "@media (max-width:64rem){.heat thead th:first-child{width:6.5rem}.heat th,.heat "
    "td{padding:.2rem}"
    ".cell{font-size:.75rem;padding:.2rem .25rem}}",
    ".badge{display:inline-block;min-width:4.2rem;text-align:center;font-size:.75rem;",
    "font-weight:700;letter-spacing:.03em;text-transform:uppercase;padding:.05rem .3rem;border:1px "
    "solid;margin-right:.4rem}",
    ".b-fail{color:#fff;background:var(--trad);border-color:var(--trad)}",
    ".b-unknown{color:var(--fg);background:var(--init-bg);border-color:var(--init)}",
    ".b-pass{color:#fff;background:var(--adv);border-color:var(--adv)}",
    ".b-not_applicable{color:var(--muted);background:var(--panel);border-color:var(--line)}",
    ".b-ok{color:#fff;background:var(--adv);border-color:var(--adv)}",
    ".b-partial{color:var(--fg);background:var(--init-bg);border-color:var(--init)}",
    ".b-error{color:#fff;background:var(--trad);border-color:var(--trad)}",
    ".b-skipped{color:var(--muted);background:var(--panel);border-color:var(--line)}",
    ".fl-title{display:inline-block;min-width:3.5rem;color:var(--muted);margin-right:.3rem}",
    ".flt{position:absolute;opacity:0;width:1px;height:1px}",
    ".flt+label{border:1px solid var(--line);padding:.15rem .6rem;cursor:pointer;",
    "background:var(--panel);display:inline-block;margin:.15rem .2rem .15rem 0}",
    ".flt:checked+label{background:var(--fg);color:var(--bg);border-color:var(--fg)}",
    ".flt:focus-visible+label{outline:2px solid var(--opt);outline-offset:2px}",
    /* Long pages: findings off screen are neither laid out nor painted until scrolled to. */
    ".finding{content-visibility:auto;contain-intrinsic-size:auto 9rem}",
    ".finding{border:1px solid var(--line);border-left:.35rem solid var(--line);padding:.4rem "
    ".6rem;",
    "margin:.4rem 0}.finding.st-fail{border-left-color:var(--trad)}",
    ".finding.st-unknown{border-left-color:var(--init)}.finding.st-pass{border-left-color:var(--"
    "adv)}",
    ".finding h4{margin:0 0 .2rem;font-size:.95rem}.finding p{margin:.2rem 0}",
    ".finding dl{margin:.3rem 0;display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;",
    "gap:.15rem .6rem}.finding dt{font-weight:600}.finding dd{margin:0}",
    ".missing{color:var(--muted);font-style:italic}.fix{background:var(--panel);padding:.3rem "
    ".5rem}",
    ".trend{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:.8rem}",
    ".trend figure{margin:0;border:1px solid var(--line);padding:.4rem}",
    ".trend figcaption{font-size:.85rem;margin-bottom:.2rem}",
    ".trend svg{width:100%;height:auto;display:block}",
    ".trend .axis{font:10px system-ui,sans-serif;fill:var(--muted)}",
    ".trend .grid{stroke:var(--line);stroke-width:1}.trend .grid.unk{stroke-dasharray:3 3}",
    ".trend .line{fill:none;stroke:var(--fg);stroke-width:2}",
    ".trend .pt{stroke:var(--bg);stroke-width:1}",
    ".pt.st-traditional{fill:var(--trad)}.pt.st-initial{fill:var(--init)}",
    ".pt.st-advanced{fill:var(--adv)}.pt.st-optimal{fill:var(--opt)}.pt.st-unknown{fill:var(--unk)"
    "}",
    "details summary{cursor:pointer;color:var(--opt)}",
    ".err{color:var(--trad)}",
    "@media (max-width:40rem){body{padding:.6rem;font-size:14px}",
    ".heat thead{display:none}.heat,.heat tbody,.heat tr,.heat th,.heat "
    "td{display:block;width:auto}",
    ".heat tr{border:1px solid var(--line);margin:0 0 .6rem;padding:.3rem}",
    ".heat td{border:0;padding:.1rem 0}.heat td:empty{display:none}.heat "
    "td.bin-unknown{background:none}",
    ".heat td::before{content:attr(data-label);display:block;font-size:.75rem;color:var(--muted)}",
    ".finding dl{grid-template-columns:1fr}.cols thead{display:none}",
    ".cols tr,.cols td{display:block}.cols tr{border-bottom:2px solid var(--line)}",
    ".cols td{border:0;padding:.1rem .2rem}.cols td::before{content:attr(data-label) ': ';",
    "color:var(--muted)}.trend{grid-template-columns:1fr}}",
    "@media "
    "print{body{max-width:none;padding:0;font-size:10pt;color:#000}"
    ".heat thead th:first-child{width:6rem}.cell{font-size:7.5pt}nav,.flt,.flt+label,.fl-title,."
    "fl-br{display:none}",
    ".grp,.finding{display:block!important}.finding{content-visibility:visible}.finding,.cell,."
    "card,figure,tr{break-inside:avoid}",
    "h2{break-after:avoid}*{print-color-adjust:exact;-webkit-print-color-adjust:exact}",
    "a{color:inherit;text-decoration:none}.trend{grid-template-columns:1fr 1fr}}",
};

void zt_html_style(struct zt_buf *b, size_t n_pillars)
{
    static const char *const statuses[] = {"fail", "unknown", "pass", "not_applicable"};

    for (size_t i = 0; i < sizeof(css) / sizeof(css[0]); i++) {
        zt_buf_puts(b, css[i]);
    }
    /* Status filter: every group but the chosen one hides. */
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        zt_buf_printf(b, "%s#s-%s:checked~.flist .grp:not(.g-%s)", i ? "," : "", statuses[i],
                      statuses[i]);
    }
    zt_buf_puts(b, "{display:none}");
    /* Pillar filter: every finding of another pillar hides. */
    for (size_t i = 0; i < n_pillars; i++) {
        zt_buf_printf(b, "%s#p-%zu:checked~.flist .finding:not(.p-%zu)", i ? "," : "", i, i);
    }
    if (n_pillars > 0) {
        zt_buf_puts(b, "{display:none}");
    }
}

void zt_html_style_source(const char *text, size_t len, char *out, size_t outlen)
{
    uint8_t md[ZT_SHA256_LEN];
    char b64[4 * ((ZT_SHA256_LEN + 2) / 3) + 1];

    zt_sha256(text, len, md);
    zt_base64(md, sizeof(md), b64);
    snprintf(out, outlen, "'sha256-%s'", b64);
}
