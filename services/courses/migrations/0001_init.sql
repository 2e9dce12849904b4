CREATE SCHEMA "courses";
--> statement-breakpoint
CREATE TABLE "courses"."courses" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "courses"."courses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"title" varchar(255) NOT NULL,
	"description" text,
	"owner_id" bigint NOT NULL,
	"published" boolean DEFAULT true NOT NULL,
	"lessons_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "courses_lessons_count_check" CHECK ("courses"."courses"."lessons_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "courses"."lessons" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "courses"."lessons_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"course_id" bigint NOT NULL,
	"title" varchar(255) NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"order" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lessons_order_check" CHECK ("courses"."lessons"."order" >= 1),
	CONSTRAINT "lessons_content_length_check" CHECK (char_length("courses"."lessons"."content") <= 1048576)
);
--> statement-breakpoint
ALTER TABLE "courses"."lessons" ADD CONSTRAINT "lessons_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "courses"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "courses_owner_id_id_idx" ON "courses"."courses" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "courses_title_trgm_idx" ON "courses"."courses" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "courses_description_trgm_idx" ON "courses"."courses" USING gin ("description" gin_trgm_ops);