"""Geography: geodata, jurisdiction and zones, the offline geocoder, the Leaflet map page and view, and the demo simulation."""
