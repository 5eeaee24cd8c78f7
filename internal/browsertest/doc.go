// Package browsertest drives the sandbox's console (package bankfeedstest)
// in a real browser: Debian's chromium through the DevTools protocol
// (chromedp). It holds tests only, in a module of its own, so that the
// root module's go.mod does not require chromedp; it is never released.
package browsertest
