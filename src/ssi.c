/*
 * ssi.c - the #python element of server-side includes (mod_include).
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * In a page that mod_include parses (Options +Includes, the INCLUDES
 * filter), mod_python 3.5 runs
 *
 *     <!--#python exec="statements" -->   and   <!--#python eval="expression" -->
 *
 * in the interpreter the page's Python handlers would use, with `filter`
 * bound to a filter object whose write() puts text in place of the element
 * (apache._dispatch_include).  The element is registered with
 * mod_include's optional function when that module is loaded; without it
 * nothing here runs.  Like mod_include's own #exec, it is refused where
 * `Options IncludesNOEXEC` applies: that is how an administrator lets
 * users write SSI pages without letting them run code.
 */
#include "mod_python.h"
#include "mod_include.h"

APLOG_USE_MODULE(python);

static APR_OPTIONAL_FN_TYPE(ap_ssi_get_tag_and_value) *get_tag_and_value;

/* Put mod_include's error text ([an error occurred while processing this
 * directive], or SSIErrorMsg) in place of the element. */
static apr_status_t element_error(include_ctx_t *ctx, ap_filter_t *f,
                                  apr_bucket_brigade *bb)
{
    SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    return APR_SUCCESS;
}

/* mod_include calls this for each <!--#python ... --> of a page. */
static apr_status_t handle_python_element(include_ctx_t *ctx, ap_filter_t *f,
                                          apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const char *file = r->filename ? r->filename : r->uri;
    const char *tag_kind = NULL, *code = NULL;
    char *tag = NULL, *value = NULL;

    if (!(ctx->flags & SSI_FLAG_PRINTING)) {
        return APR_SUCCESS;         /* inside a false #if branch */
    }
    if (ctx->flags & SSI_FLAG_NO_EXEC) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_python: MP00023: "
                      "<!--#python--> refused in %s: Options IncludesNOEXEC "
                      "forbids running code in this page", file);
        return element_error(ctx, f, bb);
    }
    for (;;) {
        get_tag_and_value(ctx, &tag, &value, SSI_VALUE_DECODED);
        if (tag == NULL) {
            break;
        }
        if (strcmp(tag, "exec") != 0 && strcmp(tag, "eval") != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_python: MP00024: "
                          "<!--#python--> in %s: unknown parameter '%s' "
                          "(expected exec or eval)", file, tag);
            return element_error(ctx, f, bb);
        }
        if (tag_kind != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_python: MP00025: "
                          "<!--#python--> in %s: more than one exec/eval",
                          file);
            return element_error(ctx, f, bb);
        }
        if (value == NULL || *value == '\0') {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_python: MP00026: "
                          "<!--#python--> in %s: empty %s", file, tag);
            return element_error(ctx, f, bb);
        }
        tag_kind = tag;
        code = value;
    }
    if (tag_kind == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_python: MP00027: "
                      "<!--#python--> in %s: needs exec=\"...\" or "
                      "eval=\"...\"", file);
        return element_error(ctx, f, bb);
    }
    if (mp_filter_run_include(f, bb, tag_kind, code) != 0) {
        return element_error(ctx, f, bb);
    }
    return APR_SUCCESS;
}

/* optional_fn_retrieve: RUN_ALL, after every module registered its
 * optional functions (so mod_include's are there when it is loaded). */
static void ssi_retrieve_optional_fns(void)
{
    APR_OPTIONAL_FN_TYPE(ap_register_include_handler) *register_handler;

    register_handler = APR_RETRIEVE_OPTIONAL_FN(ap_register_include_handler);
    get_tag_and_value = APR_RETRIEVE_OPTIONAL_FN(ap_ssi_get_tag_and_value);
    if (register_handler != NULL && get_tag_and_value != NULL) {
        register_handler("python", handle_python_element);
    }
}

void mp_ssi_register_hooks(void)
{
    ap_hook_optional_fn_retrieve(ssi_retrieve_optional_fns, NULL, NULL,
                                 APR_HOOK_MIDDLE);
}
