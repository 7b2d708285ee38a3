// A Handlebars renderer compatible with Handlebars.js 4.7, over Boost.JSON values: the
// language All Quiet writes request templates in.
//
//     auto t = aq::handlebars_template::compile(R"({"title": "{{title}}"})").value();
//     aq::result<std::string> text = t.render(context);
//
// Compile once, render many times, from any number of threads at once.
#pragma once

#include <allquiet/webhook/detail/handlebars_ast.hpp>
#include <allquiet/webhook/detail/handlebars_parser.hpp>
#include <allquiet/webhook/detail/handlebars_runtime.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/handlebars_options.hpp>
#include <allquiet/webhook/html_escape.hpp>

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace allquiet::webhook {

/// A compiled template. Copies share the compiled form.
class handlebars_template {
  public:
    /// Compiles template text. Errors (`error::template_syntax`) give line, column and an
    /// excerpt in `detail`.
    static result<handlebars_template> compile(std::string_view text) {
        auto program = detail::hbs::parse_template(text);
        if (!program) return program.error();
        return handlebars_template(std::make_shared<const detail::hbs::program>(std::move(*program)));
    }

    /// Renders against a context. Errors: `error::missing_helper`, and in strict mode
    /// `error::missing_value`; `error::render_limit` when the output or nesting limits of
    /// `options` are passed; `error::helper_failed` when a helper throws.
    result<std::string> render(const boost::json::value& context, const render_options& options = {}) const {
        return detail::hbs::render_program(*program_, context, options);
    }

  private:
    explicit handlebars_template(std::shared_ptr<const detail::hbs::program> program)
        : program_(std::move(program)) {}

    std::shared_ptr<const detail::hbs::program> program_;
};

} // namespace allquiet::webhook
