package bankfeedstest

import (
	"bytes"
	"html/template"
	"net/http"
)

// The console's templates. html/template escapes every value, company
// names and descriptions included (they are user input); the CSS is inline
// and nothing is fetched from the network.

const consoleCSS = `
:root{--ink:#1d2733;--muted:#5b6876;--line:#dde3ea;--bg:#f5f7fa;--ok:#0a7a3f;--okbg:#e3f5ea;--bad:#b42318;--badbg:#fde8e6;--warn:#8a5a00;--warnbg:#fff3d6;--info:#1f4fa8;--infobg:#e6eefc}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#13294b;color:#fff;padding:.8em 1.5em;display:flex;gap:1.5em;align-items:baseline;flex-wrap:wrap}
header b{font-size:1.1em}header a{color:#cfe0ff;text-decoration:none}header a:hover{text-decoration:underline}header .clock{margin-left:auto;font-variant-numeric:tabular-nums}
main{max-width:78em;margin:0 auto;padding:1em 1.5em 3em}h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1em 1.2em;margin:.8em 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(15em,1fr));gap:.8em}
.stat{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.7em 1em}.stat .n{font-size:1.5em;font-weight:600;font-variant-numeric:tabular-nums}.stat .l{color:var(--muted);font-size:.85em}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.4em .6em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:.8em;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.neg{color:var(--bad)}
.badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-size:.82em;font-weight:600;background:#eceff3;color:var(--muted)}
.s-connected,.s-Linked,.s-Success,.s-delivered{background:var(--okbg);color:var(--ok)}
.s-disconnected,.s-Failed,.s-failed,.s-Unlinked,.s-Deauthorized{background:var(--badbg);color:var(--bad)}
.s-pending,.s-PendingAuth,.s-Pending,.s-queued,.s-connecting{background:var(--warnbg);color:var(--warn)}.s-TimedOut{background:#f1e6fb;color:#6b2fa0}
.notice{background:var(--okbg);color:var(--ok);padding:.6em 1em;border-radius:6px}.error{background:var(--badbg);color:var(--bad);padding:.6em 1em;border-radius:6px}
.muted{color:var(--muted)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em}
form.inline{display:inline}button{font:inherit;padding:.25em .8em;border-radius:6px;border:1px solid #9aa7b5;background:#fff;cursor:pointer}button.danger{border-color:var(--bad);color:var(--bad)}
label{display:inline-block;margin:.2em 1em .2em 0;font-size:.9em}input{font:inherit;padding:.15em .35em;width:7em}input.wide{width:14em}
.balance{font-size:1.8em;font-weight:650;font-variant-numeric:tabular-nums}details summary{cursor:pointer;color:var(--info)}
.company{border-left:4px solid #13294b}.conn{margin:.6em 0 1em}.reason{color:var(--bad);font-size:.9em}pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;background:#f6f8fa;padding:.5em;border-radius:4px}
`

var consoleTemplates = template.Must(template.New("console").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{{.Title}} · Bank Feeds sandbox</title>
<style>` + consoleCSS + `</style></head><body>
<header><b>Bank Feeds sandbox</b><a href="/">Companies</a><a href="/console/webhooks">Webhooks</a><span class="clock" id="clock" title="The sandbox clock">{{.Now}} UTC</span></header>
<main>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
{{end}}

{{define "token"}}<input type="hidden" name="token" value="{{.}}">{{end}}

{{define "foot"}}</main></body></html>{{end}}

{{define "error"}}{{template "head" .}}<h1>{{.Title}}</h1><p><a href="/">Back to the console</a></p>{{template "foot" .}}{{end}}

{{define "overview"}}{{template "head" .}}
<h1>Companies</h1>
{{range .Companies}}<section class="card company" id="company-{{.ID}}">
<h2 style="margin-top:0">{{.Name}} <a class="muted" style="font-size:.75em;font-weight:400" href="{{.Pushes}}">push operations →</a></h2>
{{if .Description}}<p class="muted">{{.Description}}</p>{{end}}
{{range .Connections}}<div class="conn" id="connection-{{.ID}}">
<p><b>{{.Platform}}</b> <code>{{.Key}}</code> <span class="badge s-{{.Status}}">{{.Status}}</span>
{{if .Sage}}<span class="muted">connect inside Sage with connection id <code>{{.ID}}</code> and an OTP</span> · <a href="{{.LinkURL}}">link page</a>{{else}}<a href="{{.LinkURL}}">link page</a>{{end}}</p>
{{if .Accounts}}<table><thead><tr><th>Source account</th><th>Status</th><th>Currency</th><th>Mapped to</th><th>Feed start</th><th></th></tr></thead><tbody>
{{range .Accounts}}<tr id="account-{{.ID}}"><td>{{.Name}} <span class="muted mono">{{.ID}}</span></td><td><span class="badge s-{{.Status}}">{{.Status}}</span></td><td>{{.Currency}}</td>
<td>{{if .TargetURL}}<a href="{{.TargetURL}}">{{.Target}}</a>{{else}}<span class="muted">not mapped</span>{{end}}</td><td>{{.FeedStart}}</td>
<td>{{if .DisconnectURL}}<form class="inline" method="post" action="{{.DisconnectURL}}">{{template "token" $.Token}}<button class="danger" type="submit">Disconnect</button></form>{{end}}</td></tr>{{end}}
</tbody></table>{{else}}<p class="muted">No source accounts yet.</p>{{end}}
</div>{{else}}<p class="muted">No connections yet.</p>{{end}}
</section>{{else}}<p class="card muted">No companies yet. Create one through the API: <code>POST /companies</code>.</p>{{end}}

<h2>Rate limits</h2>
<div class="grid">
<div class="stat"><div class="n" id="quota-used">{{.Limits.DailyUsed}}{{if .Limits.DailyQuota}} / {{.Limits.DailyQuota}}{{end}}</div><div class="l">requests today{{if not .Limits.DailyQuota}} (Codat's quota {{.Limits.CodatQuota}} reported, not enforced){{end}} · resets {{.Limits.DailyReset.Format "2006-01-02 15:04"}} UTC</div></div>
<div class="stat"><div class="n">{{.Limits.MinuteUsed}}{{if .Limits.PerMinute}} / {{.Limits.PerMinute}}{{end}}</div><div class="l">requests this minute{{if not .Limits.PerMinute}} (no per-minute limit){{end}}</div></div>
<div class="stat"><div class="n">{{.Limits.InFlight}}{{if .Limits.CompanyConcurrency}} <span class="muted" style="font-size:.6em">max {{.Limits.CompanyConcurrency}} a company</span>{{end}}</div><div class="l">in flight now · peak {{.Requests.PeakInFlight}}</div></div>
<div class="stat"><div class="n" id="served">{{.Requests.Served}}</div><div class="l">requests served · 429s: {{.Requests.DailyQuota}} quota, {{.Requests.PerMinute}} per minute, {{.Requests.Concurrency}} concurrency, {{.Requests.Fault}} faults</div></div>
</div>

<h2>Webhooks</h2>
<p>{{if .HookURL}}Delivering to <code>{{.HookURL}}</code>: {{.Hooks.Delivered}} delivered, {{.Hooks.Retries}} retries, {{.Hooks.Failed}} failed, {{.Hooks.Pending}} pending. <a href="/console/webhooks">Deliveries →</a>{{else}}<span class="muted">No endpoint registered.</span>{{end}}</p>

<h2>Controls</h2>
<div class="card"><form method="post" action="/console/clock">{{template "token" $.Token}}<b>Clock</b> · now {{.Now}} UTC ·
<label>advance by <input name="advance" value="24h" aria-label="advance the clock by"></label><button type="submit">Advance the clock</button>
<span class="muted">crosses midnight UTC for the quota, the 90-minute idempotency window, scenarios that wait days</span></form></div>
<div class="card"><form method="post" action="/console/faults">{{template "token" $.Token}}<b>Faults</b> <span class="muted">(probabilities 0–1; injected so far: {{.FaultN.Total}})</span><br>
<label>seed <input name="seed" value="{{.Faults.Seed}}"></label><label>500 before <input name="serverErrorBefore" value="{{.Faults.ServerErrorBefore}}"></label><label>429 <input name="rateLimit" value="{{.Faults.RateLimit}}"></label><label>lost after commit <input name="lostAfterCommit" value="{{.Faults.LostAfterCommit}}"></label><label>500 after <input name="serverErrorAfter" value="{{.Faults.ServerErrorAfter}}"></label><label>stall <input name="stall" value="{{.Faults.Stall}}"></label><label>stall for <input name="stallFor" value="{{.Faults.StallFor}}"></label><label>latency <input name="latency" value="{{.Faults.Latency}}"></label><label>paths <input class="wide" name="paths" value="{{.Faults.Paths}}"></label>
<button type="submit">Inject</button> <button type="submit" name="clear" value="1">Clear faults</button></form></div>
<div class="card"><form method="post" action="/console/scenarios">{{template "token" $.Token}}<b>Scenarios</b> <span class="muted">(so far: {{.ScenN.LongPending}} long pending, {{.ScenN.TimedOutWritten}} timed out yet written, {{.ScenN.QBODisconnected}} QBO disconnects)</span><br>
<label>seed <input name="seed" value="{{.Scen.Seed}}"></label><label>long pending <input name="longPending" value="{{.Scen.LongPending}}"></label><label>for <input name="pendingFor" value="{{.Scen.PendingFor}}"></label><label>timed out yet written <input name="timedOutWritten" value="{{.Scen.TimedOutWritten}}"></label><label>QBO disconnects <input name="qboDisconnect" value="{{.Scen.QBODisconnect}}"></label><label>after <input name="disconnectAfter" value="{{.Scen.DisconnectAfter}}"></label>
<button type="submit">Switch on</button> <button type="submit" name="clear" value="1">Switch off</button></form></div>
<p class="muted">Pushes take {{.Timing.Delay}}{{if .Timing.Jitter}} plus up to {{.Timing.Jitter}}{{end}}.</p>
{{template "foot" .}}{{end}}

{{define "register"}}{{template "head" .}}
<p class="muted"><a href="{{.Back}}">Companies</a> › {{.Company}} · {{.Platform}}</p>
<h1>{{.Account}} <span class="badge">{{.Type}}</span></h1>
<div class="card" style="display:flex;gap:2em;align-items:baseline;flex-wrap:wrap"><div><div class="muted">Balance</div><div class="balance" id="balance">{{.Balance}} <span class="muted" style="font-size:.5em">{{.Currency}}</span></div></div>
<div><div class="muted">Bank feed</div><div id="line-count"><b>{{len .Lines}}</b> line(s) · newest first, as the accounting software shows them{{if .Refused}} · <a href="#refused">{{len .Refused}} refused</a>{{end}}</div></div></div>
<table id="register"><thead><tr><th>Date</th><th>Description</th><th>Counterparty</th><th>Reference</th><th class="num">Amount</th><th class="num">Balance</th><th>Id</th></tr></thead><tbody>
{{range .Lines}}<tr data-id="{{.ID}}"><td class="num" style="text-align:left">{{.Date}}</td><td>{{.Description}}</td><td>{{.Counterparty}}</td><td>{{.Reference}}</td><td class="num amount{{if .Negative}} neg{{end}}">{{.Amount}}</td><td class="num running">{{.Balance}}</td><td class="mono muted">{{.ID}}</td></tr>
{{else}}<tr><td colspan="7" class="muted">Nothing has landed in this account yet.</td></tr>{{end}}
</tbody></table>
{{if .Refused}}<h2 id="refused">Refused lines</h2>
<table id="refused-lines"><thead><tr><th>Date</th><th>Description</th><th class="num">Amount</th><th>Why Codat refused it</th><th>Push</th></tr></thead><tbody>
{{range .Refused}}<tr data-id="{{.ID}}"><td>{{.Date}}</td><td>{{.Description}} <span class="mono muted">{{.ID}}</span></td><td class="num{{if .Negative}} neg{{end}}">{{.Amount}}</td><td class="reason">{{.Reason}}</td><td class="mono muted">{{.Op}}</td></tr>{{end}}
</tbody></table>{{end}}
{{template "foot" .}}{{end}}

{{define "pushes"}}{{template "head" .}}
<p class="muted"><a href="/">Companies</a> › {{.Company}}</p>
<h1>Push operations</h1>
<table id="pushes"><thead><tr><th>Requested</th><th>Status</th><th>Type</th><th>Account</th><th class="num">Lines</th><th>Completed</th><th class="num">Took</th><th>Messages</th></tr></thead><tbody>
{{range .Ops}}<tr data-key="{{.Key}}"><td>{{.Requested}}<br><span class="mono muted">{{.Key}}</span></td><td><span class="badge s-{{.Status}}">{{.Status}}</span> <span class="muted">{{.StatusCode}}</span></td><td>{{.DataType}}</td><td>{{.Account}}</td><td class="num">{{len .Lines}}</td><td>{{.Completed}}</td><td class="num">{{.Took}}</td>
<td>{{if .ErrorMessage}}<div class="reason">{{.ErrorMessage}}</div>{{end}}
{{if .Errors}}<details><summary>{{len .Errors}} validation error(s)</summary><ul>{{range .Errors}}<li class="reason">{{.}}</li>{{end}}</ul></details>{{end}}
{{if .Warnings}}<details><summary>{{len .Warnings}} warning(s)</summary><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul></details>{{end}}
{{if .Lines}}<details><summary>the lines</summary><table><tbody>{{range .Lines}}<tr><td>{{.Date}}</td><td>{{.Description}}</td><td class="num{{if .Negative}} neg{{end}}">{{.Amount}}</td><td class="num">{{.Balance}}</td><td class="mono muted">{{.ID}}</td></tr>{{end}}</tbody></table></details>{{end}}</td></tr>
{{else}}<tr><td colspan="8" class="muted">No push operations yet.</td></tr>{{end}}
</tbody></table>
{{template "foot" .}}{{end}}

{{define "webhooks"}}{{template "head" .}}
<h1>Webhooks</h1>
<p>{{if .URL}}Delivering to <code>{{.URL}}</code>.{{else}}<span class="muted">No endpoint registered: events are not sent.</span>{{end}}
{{.Counts.Delivered}} delivered · {{.Counts.Retries}} retries · {{.Counts.Duplicates}} duplicates · {{.Counts.Failed}} failed · {{.Counts.Pending}} pending · {{.Counts.Redelivered}} redelivered</p>
<div class="card"><form method="post" action="/console/webhooks/redeliver">{{template "token" $.Token}}<label>Redeliver every event generated since <input class="wide" name="since" value="{{.Since}}"> UTC</label><button type="submit">Redeliver</button></form></div>
<table id="deliveries"><thead><tr><th>Generated</th><th>Event</th><th>State</th><th>Attempts: the receiver's answers</th></tr></thead><tbody>
{{range .Deliveries}}<tr data-msg="{{.MessageID}}"><td>{{.Generated}}<br><span class="mono muted">{{.MessageID}}</span></td><td><code>{{.EventType}}</code><details><summary>body</summary><pre>{{.Body}}</pre></details></td><td><span class="badge s-{{.State}}">{{.State}}</span></td>
<td>{{range .Attempts}}<div>{{.At}} · {{if .Status}}<span class="badge {{if .OK}}s-delivered{{else}}s-failed{{end}}">{{.Status}}</span>{{else}}<span class="reason">{{.Err}}</span>{{end}} <span class="muted">{{.Took}}</span>{{if .Answer}} <span class="mono muted">{{.Answer}}</span>{{end}}</div>{{else}}<span class="muted">not sent yet</span>{{end}}</td></tr>
{{else}}<tr><td colspan="4" class="muted">No events yet.</td></tr>{{end}}
</tbody></table>
{{template "foot" .}}{{end}}
`))

// render writes a console page.
func (s *Server) render(w http.ResponseWriter, status int, name string, v any) {
	var buf bytes.Buffer
	if err := consoleTemplates.ExecuteTemplate(&buf, name, v); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
