"""auth: schools, people's accounts, roles and sign-in."""
