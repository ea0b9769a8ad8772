window.MT_T0 = performance.now();
window.MT_ERR = { n: 0, first: "" };
window.mtErr = function (msg) {
  MT_ERR.n++;
  if (!MT_ERR.first) MT_ERR.first = String(msg || "error");
  if (document.body) {
    document.body.setAttribute("data-errors", String(MT_ERR.n));
    document.body.setAttribute("data-error-text", MT_ERR.first);
  }
};
window.addEventListener("error", function (e) {
  mtErr(e.message || (e.error && e.error.message) || "error");
});
window.addEventListener("unhandledrejection", function (e) {
  var r = e.reason;
  mtErr("unhandled rejection: " + (r && r.message ? r.message : String(r)));
});
