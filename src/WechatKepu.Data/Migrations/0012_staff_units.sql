-- Units an admin adds to the list staff accounts choose from (issue 19.10). The list is these plus every unit
-- an activity names as host, organiser or co-organiser (the seeded plan's among them), so an organiser's unit
-- always matches the spelling activities use and never is free text.
CREATE TABLE staff_units (
    name           text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 60),
    added_by_name  text NOT NULL,
    added_at       timestamptz NOT NULL
);
