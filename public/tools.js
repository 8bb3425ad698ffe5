// tools.js: progressive enhancements for its section; every page works without it.
