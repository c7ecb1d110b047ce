// Runs the page's script, loaded just before: demo.js or inspector.js, compiled by TeaVM, each
// defines main(). A file of its own, not an inline script, so that the pages' Content-Security-Policy
// can allow no inline script at all.
main();
