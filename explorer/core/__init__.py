"""What every page stands on: the sidebar (navigation, dataset and model pickers, page
guards), the catalogue of models, what sessions share once loaded, the session's View and
share links, the Home page, and the server's memory."""
