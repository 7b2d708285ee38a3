// Renders an outbound webhook's request template against an incident, as All Quiet does before
// sending, and prints the HTTP request that would go out.
//
//     build/examples/render_template INCIDENT.json    (data/sample-incident.json, say)
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/request_rendering.hpp>

#include <fstream>
#include <iostream>
#include <iterator>

namespace aq = allquiet::webhook;

// [doc:render_template_text]
// A template as a user writes it in All Quiet: the request description in JSON, with
// Handlebars expressions. `{{ }}` escapes HTML; a chat message wants the title as it is: `{{{ }}}`.
constexpr std::string_view request_template = R"({
  "method": "POST",
  "url": "https://chat.example.com/hooks/{{integration.id}}",
  "headers": {"X-Severity": "{{events.[0].severity}}"},
  "body": {
    "json": {
      "text": "{{events.[0].status}}: {{{title}}}",
      "environment": "{{attributesByName.[Environment].value}}",
      "onCall": [{{#each onCallUsers}}"{{displayName}}"{{#unless @last}}, {{/unless}}{{/each}}]
    }
  }
})";
// [/doc:render_template_text]

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: render_template INCIDENT.json\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    const auto incident = aq::parse_incident(std::string(std::istreambuf_iterator<char>(in), {}));
    if (!incident) {
        std::cerr << "not an incident: " << incident.error().message() << "\n";
        return 2;
    }

    // [doc:render_template_render]
    const auto compiled = aq::handlebars_template::compile(request_template); // once, then reuse
    if (!compiled) {
        std::cerr << "template: " << compiled.error().message() << "\n"; // with line and column
        return 1;
    }
    const auto description = aq::render_request(*compiled, *incident); // rendered, read as JSON
    if (!description) {
        std::cerr << "rendered request: " << description.error().message() << "\n";
        return 1;
    }
    const aq::http_request request = aq::build_http_request(*description).value();
    // [/doc:render_template_render]

    std::cout << request.method << " " << request.url.target << " HTTP/1.1\n";
    for (const auto& header : request.headers)
        std::cout << header.name << ": " << header.value << "\n";
    std::cout << "\n" << request.body << "\n";
    return 0;
}
