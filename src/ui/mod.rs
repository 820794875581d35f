//! The classroom app (eframe/egui). Renders the model; never parses bytes.
