"""Writers that turn service results into files and terminal output (text, CSV, PDF, XLSX)."""
