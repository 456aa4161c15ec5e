"""The core's write operations (CONVENTIONS.md practice 1): one function per state change,
named `<entity>_<action>`, keyword-only arguments, `acting_user`, each one transaction."""
