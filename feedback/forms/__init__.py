"""Flask-WTF forms, one module per feature, rendered with GOV.UK Frontend widgets."""
