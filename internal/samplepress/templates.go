package samplepress

import "html/template"

// pageTemplates render the sample outlets' pages, each in the layout of a
// kind of French news site: JSON-LD, Open Graph, a date in text only, a
// <time> tag, a byline with an update date. Every page carries the clutter
// extraction must drop: navigation, cookie banner, share bar, related
// articles, newsletter box, footer.
var pageTemplates = template.Must(template.New("press").Parse(`
{{define "nav"}}<header class="site-header"><a class="logo" href="/">{{.Outlet.Name}}</a>
<nav class="menu"><ul><li><a href="/">Accueil</a></li><li><a href="/rubriques/economie">Économie</a></li><li><a href="/rubriques/agences">Territoires</a></li>
{{range .A.Nav}}<li><a href="/rubriques/economie">{{.}}</a></li>{{end}}</ul></nav></header>
<div class="cookie-banner" id="consent">Nous utilisons des cookies pour mesurer l'audience et personnaliser les contenus. <button>Tout accepter</button> <button>Paramétrer</button></div>{{end}}

{{define "footer"}}<footer class="site-footer"><p>© {{.Outlet.Name}}. Tous droits réservés.</p>
<ul><li><a href="/">Mentions légales</a></li><li><a href="/">Politique de confidentialité</a></li><li><a href="/">Nous contacter</a></li></ul></footer>{{end}}

{{define "related"}}{{if .A.Related}}<aside class="related"><h2>À lire aussi</h2><ul>{{range .A.Related}}<li><a href="/rubriques/agences">{{.}}</a></li>{{end}}</ul></aside>{{end}}{{end}}

{{define "share"}}<div class="share-bar">Partager : <a href="#">Facebook</a> <a href="#">X</a> <a href="#">LinkedIn</a> <a href="#">E-mail</a></div>{{end}}

{{define "jsonld"}}<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.A.Title}} | {{.Outlet.Name}}</title>
<link rel="canonical" href="{{.Canonical}}">
<meta name="description" content="{{.A.Lead}}">
<script type="application/ld+json">{{.JSONLD}}</script>
</head><body>{{template "nav" .}}
<main><article class="article">
<h1 class="article-title">{{.A.Title}}</h1>
<p class="chapo">{{.A.Lead}}</p>
<div class="article-body">{{range .A.Body}}<p>{{.}}</p>
{{end}}</div>
{{template "share" .}}
</article>
{{template "related" .}}</main>
{{template "footer" .}}</body></html>{{end}}

{{define "opengraph"}}<!DOCTYPE html>
<html lang="fr-FR"><head><meta charset="utf-8"><title>{{.A.Title}} - {{.Outlet.Name}}</title>
<meta property="og:title" content="{{.A.Title}}">
<meta property="og:url" content="{{.Canonical}}">
<meta property="og:site_name" content="{{.Outlet.Name}}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{{.Published}}">
<meta name="author" content="{{.A.Author}}">
</head><body>{{template "nav" .}}
<div class="layout"><main class="content">
<article>
<header><h1>{{.A.Title}}</h1><p class="byline">Par <span class="author">{{.A.Author}}</span>, publié le <time datetime="{{.Published}}">{{.DateFR}}</time></p></header>
<p class="lead"><strong>{{.A.Lead}}</strong></p>
{{range .A.Body}}<p>{{.}}</p>
{{end}}
<div class="newsletter-box"><p>Recevez chaque matin l'essentiel de l'actualité économique.</p><form><input type="email" placeholder="Votre e-mail"><button>Je m'inscris</button></form></div>
</article></main>
<aside class="sidebar"><h3>Les plus lus</h3><ol>{{range .A.Sidebar}}<li><a href="/rubriques/economie">{{.}}</a></li>{{end}}<li><a href="/rubriques/economie">Immobilier de bureau la fin d'un cycle</a></li></ol></aside>
</div>
{{template "footer" .}}</body></html>{{end}}

{{define "textdate"}}<!DOCTYPE html>
<html lang="fr"><head><meta charset="{{.Charset}}"><title>{{.A.Title}}</title></head><body>{{template "nav" .}}
<div id="page"><div class="col-main">
<h1>{{.A.Title}}</h1>
<div class="infos"><span class="signature">{{.A.Author}}</span> <span class="date">Publié le {{.DateNum}}</span></div>
<div class="texte"><p class="intro">{{.A.Lead}}</p>
{{range .A.Body}}<p>{{.}}</p>
{{end}}</div>
</div>
<div class="col-side">{{if .A.Related}}<div class="a-lire"><h3>À lire également</h3><ul>{{range .A.Related}}<li><a href="/rubriques/agences">{{.}}</a></li>{{end}}</ul></div>{{end}}
<div class="meteo">Météo : Nancy 12°C, Metz 11°C</div></div></div>
{{template "footer" .}}</body></html>{{end}}

{{define "timetag"}}<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.A.Title}}</title>
<link rel="canonical" href="{{.Canonical}}">
<meta property="og:title" content="{{.A.Title}}">
<meta name="description" content="{{.A.Lead}}">
</head><body>{{template "nav" .}}
<main><article>
<h1>{{.A.Title}}</h1>
<div class="meta"><address class="author">{{.A.Author}}</address> <time datetime="{{.Published}}" class="published">Le {{.DateFR}}</time></div>
<p class="article-chapo">{{.A.Lead}}</p>
<section class="article-content">{{range .A.Body}}<p>{{.}}</p>
{{end}}</section>
{{template "share" .}}
<section class="comments"><h3>Commentaires</h3><p>Connectez-vous pour réagir.</p></section>
</article>
{{template "related" .}}</main>
{{template "footer" .}}</body></html>{{end}}

{{define "byline"}}<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.A.Title}} | {{.Outlet.Name}}</title>
<meta name="description" content="{{.A.Lead}}">
</head><body>{{template "nav" .}}
<div class="wrapper"><article class="post">
<h1 class="post-title">{{.A.Title}}</h1>
<p class="post-meta">Par {{.A.Author}}, le {{.DateFR}}{{if .UpdatedFR}} (mis à jour le {{.UpdatedFR}}){{end}}</p>
<div class="post-content"><p><em>{{.A.Lead}}</em></p>
{{range .A.Body}}<p>{{.}}</p>
{{end}}</div>
</article>
{{template "related" .}}</div>
{{template "footer" .}}</body></html>{{end}}

{{define "home"}}<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.Outlet.Name}}</title>
<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>
<header><h1>{{.Outlet.Name}}</h1><nav>{{range .Sections}}<a href="/rubriques/{{.}}">{{.}}</a> {{end}}</nav></header>
<main><ul class="liste">{{range .Articles}}<li><a href="{{.URL}}">{{.Title}}</a></li>{{end}}</ul></main>
</body></html>{{end}}
`))
