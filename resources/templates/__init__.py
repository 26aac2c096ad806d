"""Starting files for `replay-data new` (ward, icu, vv_ecmo): each a commented, valid
scenario an author edits into a patient. Read with importlib.resources."""
