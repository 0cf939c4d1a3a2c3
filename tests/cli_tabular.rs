//! `polc run` with CSV and Parquet input and output.
