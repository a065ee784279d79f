// Starts Swagger UI (web/vendor/swagger-ui/) on this server's /openapi.json, for the API page at /docs.
"use strict";

window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // Swagger UI would otherwise send the description to validator.swagger.io: nothing leaves this server.
  validatorUrl: null,
  // The admin token, once given under Authorize, is kept only until the page is closed.
  persistAuthorization: false,
});
