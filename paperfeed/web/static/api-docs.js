// Starts Swagger UI on /api/v1/docs. A file of its own, not an inline script, so the page runs
// under the site's Content-Security-Policy; the document's URL comes from the page.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    validatorUrl: null,
  });
})();
