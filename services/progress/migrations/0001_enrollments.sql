CREATE TABLE "progress"."course_seats" (
	"course_id" bigint PRIMARY KEY NOT NULL,
	"taken" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "course_seats_taken_check" CHECK ("progress"."course_seats"."taken" >= 0)
);
--> statement-breakpoint
CREATE TABLE "progress"."enrollments" (
	"course_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enrollments_pkey" PRIMARY KEY("course_id","user_id")
);
--> statement-breakpoint
CREATE INDEX "enrollments_user_enrolled_idx" ON "progress"."enrollments" USING btree ("user_id","enrolled_at" DESC NULLS FIRST,"course_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "enrollments_course_enrolled_idx" ON "progress"."enrollments" USING btree ("course_id","enrolled_at","user_id");