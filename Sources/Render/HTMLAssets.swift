/// The HTML report's only style sheet and script, inline and constant: the
/// page's Content-Security-Policy names their hashes and nothing else.
enum HTMLAssets {
    static let style = """
        :root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--a:#0969da;--b:#8250df;--c:#1a7f37;--d:#bc4c00;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da;--band:rgba(207,34,46,.15)}
        @media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--panel:#161b22;--a:#58a6ff;--b:#d2a8ff;--c:#3fb950;--d:#f0883e;--pass:#3fb950;--warn:#d29922;--fail:#f85149;--info:#58a6ff;--band:rgba(248,81,73,.2)}}
        *{box-sizing:border-box}
        body{margin:0;padding:1rem 1.5rem;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
        h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
        .meta,.legend,figcaption{color:var(--muted);font-size:.9rem}
        code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
        table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.9rem}
        caption{text-align:left;color:var(--muted);padding:.2rem 0;caption-side:top}
        th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
        thead th{background:var(--panel)}
        .badge{display:inline-block;padding:0 .45rem;border-radius:.8rem;font-weight:600;font-size:.85rem;border:1px solid currentColor}
        .badge.pass{color:var(--pass)}.badge.warn,.badge.insufficient{color:var(--warn)}.badge.fail,.badge.error{color:var(--fail)}.badge.info,.badge.none{color:var(--info)}
        .decision{font-size:1.1rem}.pause{font-weight:500}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem}
        figure{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem}
        svg{width:100%;height:auto;display:block}
        .axis line{stroke:var(--line);stroke-width:1}.axis text{fill:var(--muted);font-size:11px}
        .series{fill:none;stroke-width:1.8;stroke-linejoin:round}
        .s0{stroke:var(--a)}.s1{stroke:var(--d)}.s2{stroke:var(--b)}.s3{stroke:var(--c)}
        .rec{stroke-dasharray:5 3;stroke-width:1.2;opacity:.85}
        .th{stroke-width:1.3;stroke-dasharray:2 3}.th.warn{stroke:var(--warn)}.th.fail{stroke:var(--fail)}
        .key{font-weight:600}.key.s0{color:var(--a)}.key.s1{color:var(--d)}.key.s2{color:var(--b)}.key.s3{color:var(--c)}.key.warn{color:var(--warn)}.key.fail{color:var(--fail)}
        .key.rec{text-decoration:underline dashed}
        .ev{stroke:var(--bg);stroke-width:1.5}.ev.fail{fill:var(--fail)}.ev.pass{fill:var(--pass)}.ev.warn{fill:var(--warn)}.ev.info{fill:var(--info)}
        .band{fill:var(--band)}
        .timeline svg{max-width:900px}
        .spark svg{width:120px;display:inline-block;vertical-align:middle}.spark .series{stroke-width:1.5}
        .mode{display:inline-block;background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:0 .3rem;margin:1px;font-size:.8rem}
        .filter{margin:.3rem 0}
        .scroll{overflow-x:auto;max-width:100%}
        tr[hidden]{display:none}
        """

    /// Shows the mode filter (hidden when scripts don't run: every row shows)
    /// and hides the sessions table's rows without the chosen mode.
    static let script = """
        (function(){
        var sections=document.querySelectorAll('section.sessions');
        for(var s=0;s<sections.length;s++){(function(section){
        var box=section.querySelector('.filter'),select=box.querySelector('select'),out=box.querySelector('output');
        var rows=section.querySelectorAll('tbody tr');
        function apply(){var mode=select.value,shown=0;
        for(var i=0;i<rows.length;i++){var on=mode===''||rows[i].getAttribute('data-modes').indexOf('|'+mode+'|')>=0;rows[i].hidden=!on;if(on)shown++;}
        out.textContent=shown+' of '+rows.length+' sessions shown';}
        select.addEventListener('change',apply);box.hidden=false;apply();
        })(sections[s]);}
        })();
        """

    static let styleHash = SHA256.cspSource(style)
    static let scriptHash = SHA256.cspSource(script)
}
