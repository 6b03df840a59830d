//! kubepath-collectors: turn inputs into an engine `Snapshot`.
