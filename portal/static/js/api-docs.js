// Starts Swagger UI on the API reference page (a file, not an inline script: the CSP
// allows none). Without JavaScript the page's own list of operations stays.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    domNode: target,
    deepLinking: false,
    tryItOutEnabled: false,
  });
});
