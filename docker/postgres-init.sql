-- run once by the postgres image on an empty data volume (POSTGRES_DB creates hendelseslager)
CREATE DATABASE hendelseslager_test;
