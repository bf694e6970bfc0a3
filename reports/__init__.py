"""The manager's reports: utilisation, no-shows, course completion and messages, as a
page with SVG charts and as CSV."""
