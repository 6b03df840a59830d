//! kubepath-queries: selectors, named queries and report renderers.
